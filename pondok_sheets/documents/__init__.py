"""What the office prints or exports: letters drafted from its own Word templates."""
