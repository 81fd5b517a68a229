import unittest

from bbscan_policy.settings import SettingsError, boolean, integer, only_keys, string, strings


class SettingsTest(unittest.TestCase):
    def test_defaults_values_and_errors_worded_as_in_rust(self) -> None:
        s = {"days": 30, "names": ["a"], "on": False, "bad": "x", "flag": 1, "none": None}
        self.assertEqual(integer(s, "days", 90, 1, 365), 30)
        self.assertEqual(integer(s, "missing", 90, 1, 365), 90)
        with self.assertRaisesRegex(SettingsError, '^setting "days" must be a whole number from 31 to 365$'):
            integer(s, "days", 90, 31, 365)
        with self.assertRaises(SettingsError):
            integer({"days": 30.0}, "days", 90, 1, 365)
        with self.assertRaises(SettingsError):
            integer({"days": True}, "days", 90, 0, 365)
        self.assertEqual(strings(s, "names", ["z"]), ["a"])
        self.assertEqual(strings(s, "other", ["z"]), ["z"])
        with self.assertRaisesRegex(SettingsError, '^setting "bad" must be a list of strings$'):
            strings(s, "bad", [])
        with self.assertRaises(SettingsError):
            strings({"l": ["a", 1]}, "l", [])
        with self.assertRaises(SettingsError):
            strings(s, "none", [])
        self.assertFalse(boolean(s, "on", True))
        with self.assertRaisesRegex(SettingsError, '^setting "flag" must be true or false$'):
            boolean(s, "flag", True)
        self.assertEqual(string(s, "bad", "d"), "x")
        self.assertEqual(string(s, "absent", "d"), "d")
        with self.assertRaisesRegex(SettingsError, '^setting "days" must be a string$'):
            string(s, "days", "d")

    def test_unknown_keys_are_refused(self) -> None:
        with self.assertRaisesRegex(SettingsError, '^unknown setting "bad"; the settings are: days, names$'):
            only_keys({"days": 1, "bad": 2}, ["days", "names"])
        with self.assertRaisesRegex(SettingsError, '^unknown setting "x": this policy has no settings$'):
            only_keys({"x": 1}, [])
        with self.assertRaisesRegex(SettingsError, "^settings must be a table$"):
            only_keys(["x"], ["x"])
        only_keys({}, [])
        only_keys({"days": 1}, ["days"])


if __name__ == "__main__":
    unittest.main()
