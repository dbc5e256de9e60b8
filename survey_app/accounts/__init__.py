"""Staff accounts: users and roles, login sessions, permissions, and the admin pages for users."""
