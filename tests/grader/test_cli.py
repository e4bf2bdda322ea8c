"""The command line: usage errors and help."""

from helpers import ROOT, dlcv


def test_usage_errors_and_help(tmp_path):
    text = tmp_path / "eve_03_softmax.txt"
    text.write_text("my answers\n")
    usage_errors = {("grade", "/no/such/path"): "does not exist",
                    ("grade", str(text), "--lab", "42"): "no lab '42'",
                    ("check", str(text)): "not a Jupyter notebook (it is a .txt file",
                    ("check", str(ROOT / "labs" / "03_softmax.ipynb"), "--exercise", "softmaxx"):
                        "no self-checks of an exercise 'softmaxx'; its exercises are: cross_entropy, ",
                    ("build", "--check", "--lab", "42"): "no lab '42'"}
    for args, message in usage_errors.items():
        completed = dlcv(*args)
        assert (completed.returncode, message in completed.stderr) == (2, True), (args, completed.stderr)
    own_codes = {"build": "--check found stale files", "check": "some self-check failed",
                 "grade": "some files could not be graded"}
    for command in ([], ["build"], ["check"], ["grade"]):
        completed = dlcv(*command, "--help")
        assert completed.returncode == 0 and "exit codes" in completed.stdout
        if command:
            assert own_codes[command[0]] in completed.stdout
            assert [c for c in own_codes if c != command[0] and own_codes[c] in completed.stdout] == []
