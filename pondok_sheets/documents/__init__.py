"""What the office prints or exports: QR codes, posters, reports, letters."""
