"""My Number Card (JPKI) access and JPKI certificate and signature verification. Plain Python, no Django."""
