"""Tests of plan files, their import and export."""
