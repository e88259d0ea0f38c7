"""The kernel has no models: each app declares its own capabilities (permissions)."""
