from .sync import DirectoryEntry

__all__ = ["DirectoryEntry"]
