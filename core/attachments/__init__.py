"""Attachments: files uploaded once, attached to one thing (a notice, later a task's feedback),
stored outside the web root and served only to those who may see what they are attached to."""
