"""Corporate groups from ownership links (holder → held), followed both ways at any depth. Pure.

Two questions, one graph: which group an organisation belongs to, for many organisations at
once (`ownership_groups`, union-find: conflict detection over a whole call), and how far one
organisation is from another (`group_distances`, breadth-first: the evidence a committee member
or an expert is shown, "2 ownership links away"). Both read the same links: a parent's parent,
a subsidiary's subsidiary and a sister company through their common parent are in the group.
"""

from __future__ import annotations

from collections.abc import Iterable

Link = tuple[int, int]  # (holder id, held id)


def ownership_groups(links: Iterable[Link]) -> dict[int, int]:
    """Organisation id → the id of its corporate group (the smallest id of its connected
    component in the ownership graph); organisations without links are absent."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for a, b in links:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


def group_distances(organisation_ids: Iterable[int], links: Iterable[Link]) -> dict[int, int]:
    """Every organisation connected to `organisation_ids` through `links` (either direction,
    any depth), each with the number of links on the shortest way (0 for the start)."""
    neighbours: dict[int, set[int]] = {}
    for holder, held in links:
        neighbours.setdefault(holder, set()).add(held)
        neighbours.setdefault(held, set()).add(holder)
    distance = {o: 0 for o in organisation_ids}
    frontier = list(distance)
    while frontier:
        following: list[int] = []
        for current in frontier:
            for other in neighbours.get(current, ()):
                if other not in distance:
                    distance[other] = distance[current] + 1
                    following.append(other)
        frontier = following
    return distance
