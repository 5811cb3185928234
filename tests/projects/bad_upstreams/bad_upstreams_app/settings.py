"""Settings, each wrong in one way but the first and the last."""

from pulpo import setting

GOOD_LIMIT = setting("GOOD_LIMIT", 10, test=2)
STARTS_WITH_DIGIT = setting("2FAST", 1)
PULPOS_OWN = setting("MONGODB_URL", "mongodb://elsewhere")
LISTED = setting("TAGS", ["a", "b"])
WRONG_TEST = setting("RATIO", 0.5, test="half")
WRONG_DEFAULT = setting("COUNT", "5", type=int)
TWO_LINES = setting("GREETING", "hello\nworld")
LIMIT_AGAIN = setting("GOOD_LIMIT", 20)
LIMIT_AS_WELL = setting("GOOD_LIMIT", 10, test=2)
