"""Provides the one packaging rule pyproject.toml cannot say: ship lessons/ as tutor.builtin_lessons."""

from setuptools import find_namespace_packages, setup

# The built-in lessons live at the top level (lessons/) for authors, and ship inside the
# wheel as the data package tutor.builtin_lessons, so a plain `pip install .` has them.
# setuptools' packages.find never picks up a package that only exists through package_dir.
setup(
    packages=[*find_namespace_packages(include=["tutor", "tutor.*"]), "tutor.builtin_lessons"],
    package_dir={"tutor.builtin_lessons": "lessons"},
)
