"""The main window's pages and dialogs, one module each."""
