"""Build what students get besides the book pages: the PDF and the student kit.

``python -m publish.pdf`` prints the built site to one PDF with headless Chromium;
``python -m publish.kit`` zips the released notebooks with a standalone ``validate``.
"""
