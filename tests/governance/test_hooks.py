"""governance.hooks: releases' freeze check is registered once, and registering is idempotent."""

from __future__ import annotations

from governance import hooks
from releases import work


def test_releases_registers_its_freeze_check_exactly_once():
    assert hooks.freeze_checks.count(work.window_frozen) == 1


def test_registering_a_hook_twice_keeps_one():
    hook: list[object] = []
    hooks.register(hook, work.window_frozen)
    hooks.register(hook, work.window_frozen)
    assert hook == [work.window_frozen]


def test_no_window_is_never_in_a_freeze():
    assert hooks.window_in_freeze(None, None) is False
