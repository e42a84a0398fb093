# Data package: the shipped dictionaries (see README.md in this folder).
