"""Built-in checks of pubgate, each an ordinary plugin (registered from ``DEFAULT_PLUGINS``)."""
