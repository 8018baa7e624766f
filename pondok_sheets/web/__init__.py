"""What residents see in the browser."""
