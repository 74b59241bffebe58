"""Writes of the cms app: functions that change state, keyword-only arguments, one transaction each."""
