"""Textual screens: overview, sample list, household, grade, village, help, and the modal dialogs."""
