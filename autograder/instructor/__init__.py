"""The instructor's tools: releasing the course and grading submissions."""
