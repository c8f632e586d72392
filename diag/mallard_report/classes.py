"""classes - the size classes: per-class rows, growth attribution, stranded bytes.

class_rows() gives one row per size class of a snapshot, with "large" and
"huge" as two pseudo-classes; growth_by_class() compares two snapshots
class by class and growth_leaders() names the classes that explain most
of a growth; stranded() says where the free space stranded in partly used
pages is. A row has "allocated" and "active" like the totals, so the
derived figures of figures.py apply to it as they are.
"""

from .figures import class_name, figure, ratio
from .thresholds import THRESHOLDS


def class_rows(snap):
    """Per-class figures of one snapshot, "large" and "huge" as pseudo-classes."""
    rows = []
    for c in snap["classes"]:
        row = dict(c, name=class_name(c["size"]), allocated=c["size"] * c["live_blocks"])
        row["ext_frag"] = figure(row, "external_fragmentation")
        rows.append(row)
    for name in ("large", "huge"):
        span = snap[name]
        # A large or huge block fills its own span or mapping: active = bytes.
        rows.append({"name": name, "size": None, "live_blocks": span["blocks"],
                     "allocated": span["bytes"], "active": span["bytes"],
                     "mallocs": span["mallocs"], "ext_frag": 0.0})
    return rows


def growth_by_class(first, last):
    """Per class: allocated and active at both ends, the change, its share."""
    before = {r["name"]: r for r in class_rows(first)}
    entries = []
    for row in class_rows(last):
        old = before.pop(row["name"], None)
        entries.append(growth_entry(row["name"], row["size"], old, row))
    for old in before.values():  # a class cannot vanish, but do not lose one
        entries.append(growth_entry(old["name"], old["size"], old, None))
    for key in ("allocated", "active"):
        # Shares of the gross growth (the classes that grew), so they add up
        # to 100% and a class that shrank cannot make another's share exceed it.
        gross = sum(max(0, e[key + "_delta"]) for e in entries)
        for e in entries:
            d = e[key + "_delta"]
            e[key + "_share"] = d / gross if d > 0 else None
    entries.sort(key=lambda e: (-e["allocated_delta"], -e["active_delta"]))
    return entries


def growth_entries(snapshots):
    """The classes whose bytes changed between the first and last snapshot."""
    return [e for e in growth_by_class(snapshots[0], snapshots[-1])
            if e["allocated_delta"] or e["active_delta"]]


def growth_entry(name, size, old, new):
    e = {"class": name, "size": size}
    for key in ("allocated", "active", "live_blocks"):
        a, b = (old or {}).get(key, 0), (new or {}).get(key, 0)
        e[key + "_first"], e[key + "_last"], e[key + "_delta"] = a, b, b - a
    return e


def growth_leaders(entries, key):
    """(names, share): the classes that explain most of the growth of key."""
    total = sum(max(0, e[key + "_delta"]) for e in entries)
    if total <= 0:
        return [], 0.0
    names, covered = [], 0
    for e in sorted(entries, key=lambda e: -e[key + "_delta"]):
        if (e[key + "_delta"] <= 0 or covered >= THRESHOLDS["attribution_share"] * total
                or len(names) >= THRESHOLDS["attribution_max_classes"]):
            break
        names.append(e["class"])
        covered += e[key + "_delta"]
    return names, covered / total


def leaders_text(entries, key):
    names, share = growth_leaders(entries, key)
    if not names:
        return ""
    word = "class" if len(names) == 1 else "classes"
    return "%.0f%% of the growth in %s %s" % (100 * share, word, ", ".join(names))


# Blocks of 1 KiB-64 KiB of every size share run pages (docs/ARCHITECTURE.md,
# "Run pages"): such a block counts in the class of its length, as a full
# block of it, and the free units between them are stranded bytes of no
# class. They are named as this pseudo-class.
RUN_PAGES = "run pages"


def run_pages_stranded(snap):
    """The stranded bytes of no class (the run pages' free units): the
    totals' stranded bytes less the classes'."""
    total = figure(snap["totals"], "stranded")
    in_classes = sum(figure(r, "stranded") for r in class_rows(snap) if r["size"])
    return max(0, total - in_classes)


def stranded(snap):
    """The free space stranded in partly used pages at a snapshot: bytes
    (active - allocated), their share of active, and the classes that hold
    most of them (largest first, until attribution_share of the bytes, at
    most attribution_max_classes; the run pages' free units as the
    pseudo-class RUN_PAGES, with no per-class figures)."""
    t = snap["totals"]
    total = figure(t, "stranded")
    rows = [(figure(r, "stranded"), r) for r in class_rows(snap) if r["size"]]
    rows.append((run_pages_stranded(snap), None))
    rows.sort(key=lambda gr: -gr[0])
    leaders, covered = [], 0
    for gap, r in rows:
        if (gap <= 0 or covered >= THRESHOLDS["attribution_share"] * total
                or len(leaders) >= THRESHOLDS["attribution_max_classes"]):
            break
        if r is None:
            leaders.append({"class": RUN_PAGES, "stranded": gap, "allocated": None, "active": None,
                            "free_blocks": None, "pages": None, "pages_partial": None})
        else:
            leaders.append({"class": r["name"], "stranded": gap, "allocated": r["allocated"],
                            "active": r["active"], "free_blocks": r["free_blocks"],
                            "pages": r["pages"], "pages_partial": r.get("pages_partial")})
        covered += gap
    return {"bytes": total, "share_of_active": ratio(total, t["active"]), "classes": leaders}
