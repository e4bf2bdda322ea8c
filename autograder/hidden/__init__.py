"""Hidden test specs, one per lab (``NN_name.py``). Never released to students; hidden from the sandbox."""
