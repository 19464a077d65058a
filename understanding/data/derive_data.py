"""Regenerate the offline data files of the understanding package.

Not imported at run time: run it by hand when the upstream data should be refreshed::

    pip download --no-deps -d /tmp/jionlp jionlp
    python understanding/data/derive_data.py /tmp/jionlp/jionlp-*.whl

Source: the JioNLP package (https://github.com/dongrixinyu/JioNLP, Apache-2.0), which maintains
China's administrative divisions (``dictionary/china_location.zip``, from the national division
codes, updated with each published change), the world's countries
(``dictionary/world_location.txt``) and the list of Chinese surnames (``rule/rule_pattern.py``).  Only the province, prefecture and county levels are kept, which
makes ``gazetteer.tsv`` about 100 KB; JioNLP itself is not a runtime dependency (it is heavy and
prints a banner on stdout at import).
"""

from __future__ import annotations

import ast
import io
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Common present-day surnames that the classical 百家姓 list lacks (肖 and 付 alone are borne by
# millions); characters that are far more often ordinary words (但, 过, 由 …) are left out.
MODERN_SURNAMES = "芦肖付代覃麦隋冼苟邸檀揭粟卿谌战迟区官兰练植招银续操矫郇禚郄展剧旷扎母淦雒靖修延泮漆丛庹铁腾栗蒿衣綦仝鲜盘尉初邝禤眭"


def _gazetteer_rows(location_text: str) -> list[str]:
    """Rows ``id, parent id, level, full name, short name`` from JioNLP's tab-indented tree."""
    rows: list[str] = []
    parents: dict[int, int] = {}
    for line in location_text.splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        if depth > 2:  # towns and villages are not needed for an origin
            continue
        fields = line.strip().split("\t")
        if len(fields) != 3:  # entries without a division code (Taiwan's districts)
            continue
        full, _code, alias = fields
        row_id = len(rows) + 1
        parent = parents.get(depth - 1, 0) if depth else 0
        parents[depth] = row_id
        rows.append(f"{row_id}\t{parent}\t{depth + 1}\t{full}\t{alias}")
    return rows


def _country_rows(world_text: str, first_id: int) -> list[str]:
    """Countries (level 0), for returnees from abroad; China itself is not an origin."""
    names = [line.split("\t")[0] for line in world_text.splitlines() if "\t" in line and ":" not in line]
    names = [n for n in names if n != "中国" and "(" not in n]
    return [f"{first_id + i}\t0\t0\t{name}\t{name}" for i, name in enumerate(names)]


def _surnames(rule_source: str) -> tuple[str, list[str]]:
    """JioNLP's single-character surnames (百家姓) and its compound surnames."""
    single = compound = ""
    for node in ast.walk(ast.parse(rule_source)):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in {"SINGLE_CHINESE_FAMILY_NAME", "TWO_CHAR_CHINESE_FAMILY_NAME"}:
                value = ast.literal_eval(node.value)
                if name.startswith("SINGLE") and not single:  # the first, complete list
                    single = value
                elif name.startswith("TWO"):
                    compound = value
    return single, compound.split("|")


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as whl:
        with zipfile.ZipFile(io.BytesIO(whl.read("jionlp/dictionary/china_location.zip"))) as inner:
            location_text = inner.read("china_location.txt").decode("utf-8")
        rule_source = whl.read("jionlp/rule/rule_pattern.py").decode("utf-8")
        world_text = whl.read("jionlp/dictionary/world_location.txt").decode("utf-8")
    header = "# id\tparent\tlevel (0 country)\tfull_name\tshort_name  (JioNLP china_location + world_location)"
    rows = _gazetteer_rows(location_text)
    rows += _country_rows(world_text, len(rows) + 1)
    (HERE / "gazetteer.tsv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    single, compound = _surnames(rule_source)
    header = "# Chinese surnames (JioNLP rule_pattern.py, Apache-2.0, plus derive_data.MODERN_SURNAMES)"
    lines = [header, *dict.fromkeys(single + MODERN_SURNAMES), *compound]
    (HERE / "surnames.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
