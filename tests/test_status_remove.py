"""StatusHolder.remove_status_element takes the element, as the original, or its name."""
from __future__ import absolute_import, division, print_function

import pytest

from CryoCore import API
from CryoCore.Core.Status import NoSuchElementException


@pytest.mark.smoke
def test_remove_by_element_and_by_name():
    """The element object removes it; a stale element of the same name is refused."""
    holder = API.get_status("RemoveTest")
    first = holder.new("a", 1)
    holder.remove_status_element(first)
    assert "a" not in holder
    with pytest.raises(NoSuchElementException):
        holder.remove_status_element(first)
    second = holder.new("a", 2)
    with pytest.raises(NoSuchElementException):
        holder.remove_status_element(first)  # not the element held under "a"
    assert holder.get_status_element("a") is second
    holder.new("b")
    holder.remove_status_element("b")
    assert "b" not in holder and "a" in holder
