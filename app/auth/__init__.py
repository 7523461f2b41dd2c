"""Staff accounts and roles (caseworker, dispatcher, admin)."""
