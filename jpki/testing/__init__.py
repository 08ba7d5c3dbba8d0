"""Test doubles for JPKI: a test PKI with the J-LIS certificate profile, a virtual card."""
