import pytest

from standards import compare, workflow
from standards.compare import StandardChange
from tests.factories import FrameworkVersionFactory, IndicatorFactory, StandardFactory, ThemeFactory

pytestmark = pytest.mark.unit


@pytest.fixture
def v1(published_version):
    return published_version


@pytest.fixture
def v2(v1, steward):
    return workflow.start_new_version(v1.framework, by=steward)


def _by_code(version):
    return {s.code: s for s in version.standards.all()}


def _kinds(changes: list[StandardChange]) -> list[tuple[str, str | None, str | None]]:
    return [(c.kind, c.old.code if c.old else None, c.new.code if c.new else None) for c in changes]


def test_start_new_version_fills_the_crosswalk(v1, v2):
    old = _by_code(v1)
    for code, standard in _by_code(v2).items():
        assert list(standard.continues.all()) == [old[code]]
        assert standard.pk != old[code].pk
    assert list(old["UN1"].continued_by.all()) == [_by_code(v2)["UN1"]]


def test_an_untouched_copy_is_unchanged(v1, v2):
    changes = compare.compare(v1, v2)
    assert _kinds(changes) == [("unchanged", "UN1", "UN1"), ("unchanged", "UN2", "UN2"), ("unchanged", "VI1", "VI1")]
    assert not any(c.changed for c in changes)
    assert all(c.fields == [] for c in changes)
    assert compare.summary(changes) == {"unchanged": 3}


def test_added_removed_reworded_and_moved(v1, v2):
    new = _by_code(v2)
    voice = new["VI1"].theme
    new["UN1"].title = "Knows every local group"
    new["UN1"].save()
    new["UN2"].theme = voice
    new["UN2"].save()
    new["VI1"].delete()
    IndicatorFactory(standard=StandardFactory(theme=voice, position=9, code="VI2", title="Builds coalitions"))

    changes = compare.compare(v1, v2)
    assert _kinds(changes) == [
        ("reworded", "UN1", "UN1"),
        ("moved", "UN2", "UN2"),
        ("added", None, "VI2"),
        ("removed", "VI1", None),
    ]
    assert compare.summary(changes) == {"reworded": 1, "moved": 1, "added": 1, "removed": 1}
    reworded, moved, added, removed = changes
    assert reworded.fields == [
        ("Title", "Knows <del>its</del> local <del>groups</del>", "Knows <ins>every</ins> local <ins>group</ins>"),
    ]
    assert moved.fields == [
        ("Place", "UN2 in <del>Understanding need</del>", "UN2 in <ins>Voice and influence</ins>"),
    ]
    assert (added.old, added.fields, removed.new, removed.fields) == (None, [], None, [])
    assert all(c.changed for c in changes)


def test_changed_indicators_and_guidance_count_as_rewording(v1, v2):
    standard = _by_code(v2)["VI1"]
    standard.guidance = "Say no when you must."
    standard.save()
    indicator = standard.indicators.get(position=2)
    indicator.evidence_prompts = "Newsletter"
    indicator.save()
    (_, _, change) = compare.compare(v1, v2)
    assert change.kind == "reworded"
    assert [label for label, _, _ in change.fields] == ["Guidance", "Indicators"]
    label, old, new = change.fields[1]
    assert "<ins>[Newsletter]</ins>" in new and "<del>[]</del>" in old


def test_crosswalk_follows_a_new_code_as_a_move(v1, v2):
    """The crosswalk, not the code, says which standard continues which."""
    standard = _by_code(v2)["UN2"]
    standard.code = "UN9"
    standard.title = "Uses evidence well"
    standard.save()
    changes = compare.compare(v1, v2)
    assert _kinds(changes)[1] == ("reworded and moved", "UN2", "UN9")
    assert [label for label, _, _ in changes[1].fields] == ["Title", "Place"]
    assert "removed" not in compare.summary(changes) and "added" not in compare.summary(changes)


def test_crosswalk_wins_over_a_matching_code(v1, v2):
    old, new = _by_code(v1), _by_code(v2)
    new["UN2"].continues.set([old["VI1"]])  # UN2 now continues the old VI1 …
    new["VI1"].continues.set([old["UN2"]])  # … and VI1 the old UN2
    changes = compare.compare(v1, v2)
    assert _kinds(changes) == [
        ("unchanged", "UN1", "UN1"),
        ("reworded and moved", "VI1", "UN2"),
        ("reworded and moved", "UN2", "VI1"),
    ]


def test_without_a_crosswalk_standards_are_matched_by_code(v1, v2):
    new = _by_code(v2)
    for standard in new.values():
        standard.continues.clear()
    new["VI1"].title = "Takes concerns to decision makers"
    new["VI1"].save()
    new["UN2"].code = "UN3"  # a new code and no crosswalk: nothing says it continues UN2
    new["UN2"].save()
    assert _kinds(compare.compare(v1, v2)) == [
        ("unchanged", "UN1", "UN1"),
        ("added", None, "UN3"),
        ("reworded", "VI1", "VI1"),
        ("removed", "UN2", None),
    ]


def test_a_crosswalk_to_some_other_version_falls_back_to_the_code(v1, v2):
    """Comparing version 1 with a version 3 whose crosswalk points at version 2."""
    v3 = FrameworkVersionFactory(framework=v1.framework, number=3, previous=v2)
    theme = ThemeFactory(version=v3, position=1, title="Understanding need")
    old, middle = _by_code(v1), _by_code(v2)
    same_code = StandardFactory(theme=theme, position=1, code="UN1", title=old["UN1"].title)
    same_code.continues.set([middle["UN1"]])
    new_code = StandardFactory(theme=theme, position=2, code="UN7", title=old["UN2"].title)
    new_code.continues.set([middle["UN2"]])
    changes = compare.compare(v1, v3)
    assert _kinds(changes) == [
        ("reworded", "UN1", "UN1"),  # matched by code; reworded because its indicators are not there yet
        ("added", None, "UN7"),
        ("removed", "UN2", None),
        ("removed", "VI1", None),
    ]
    assert [label for label, _, _ in changes[0].fields] == ["Description", "Guidance", "Indicators"]


def test_against_an_empty_version_everything_is_added_or_removed(v1):
    empty = FrameworkVersionFactory(framework=v1.framework, number=5)
    assert _kinds(compare.compare(empty, v1)) == [
        ("added", None, "UN1"),
        ("added", None, "UN2"),
        ("added", None, "VI1"),
    ]
    assert compare.summary(compare.compare(v1, empty)) == {"removed": 3}


def test_merged_standards(v1, v2):
    old, new = _by_code(v1), _by_code(v2)
    new["UN1"].continues.add(old["UN2"])
    new["UN2"].delete()
    changes = compare.compare(v1, v2)
    assert _kinds(changes) == [("merged", "UN1", "UN1"), ("unchanged", "VI1", "VI1")]
    assert "removed" not in compare.summary(changes)


def test_differences_are_escaped(v1, v2):
    standard = _by_code(v2)["UN1"]
    standard.description = "A current <script>alert(1)</script> picture of groups."
    standard.save()
    (change, _, _) = compare.compare(v1, v2)
    label, old, new = change.fields[0]
    assert label == "Description"
    assert "<script>" not in new
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in new
    assert old == "A current picture of groups."


def test_mark_shows_word_level_changes():
    old, new = compare._mark("Keeps an up-to-date map", "Keeps a current map")
    assert (old, new) == ("Keeps <del>an up-to-date</del> map", "Keeps <ins>a current</ins> map")
