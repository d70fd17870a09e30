"""Refresh reminders: the store, understanding "in 18 months", commands, and delivery."""
