"""What the module tests of the API checks share: the fields of a check result and how to read one."""

CHECK_FIELDS = {'project', 'name', 'result', 'code', 'details', 'duration'}


def outcome(check):
    return check['result'], check['code'], check['details']


def without_durations(result):
    result = dict(result, upgrade_checks=[dict(c, duration=None) for c in result['upgrade_checks']])
    result.pop('invocation', None)
    return result
