"""Every registered exercise says what it asks (its kind): the course's class times count minutes by kind."""
import pytest

from xception_edu import exercises, lessons

lessons.load_all()


@pytest.mark.parametrize("exercise_id", exercises.known())
def test_every_registered_exercise_has_a_kind(exercise_id):
    assert exercises.kind_of(exercise_id) in exercises.KINDS


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(ValueError, match=r"'sketch'.*formula"):
        exercises.register("99.kindless", kind="sketch")
    with pytest.raises(ValueError, match="None"):
        exercises.register("99.kindless")
    assert "99.kindless" not in exercises.known()


def test_kind_of_an_unknown_exercise_names_it():
    with pytest.raises(ValueError, match="99.nowhere"):
        exercises.kind_of("99.nowhere")
