"""Catalogues of student implementations, correct and wrong, per exercise (plain source strings)."""
