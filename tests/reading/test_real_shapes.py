"""Export shapes met in real files (tests/data/real_shapes/, made-up papers in the real layouts; SOURCES.md says
which public file each imitates): every field a reader of the paper would look for comes through intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.reading.formats import detect_format, read_path
from lib.reading.formats.authors import split_authors

SHAPES = Path(__file__).resolve().parents[1] / "data" / "real_shapes"


def records(name: str):
    result = read_path(SHAPES / name)
    return result, {r.title: r for r in result.records}


def test_web_of_science_plain_text_is_read_as_records_not_listing_lines():
    result, by_title = records("wos_plain.txt")
    assert detect_format((SHAPES / "wos_plain.txt").read_bytes(), "wos_plain.txt") == "wos"
    assert len(result.records) == 2 and result.issues == []
    roost = by_title["Roost choice of the grey hornbill after storm damage."]  # TI continued on the next line
    assert roost.authors == ("Okafor, Ada N.", "Lindqvist, Per B.", "Marsh, Tomas")  # the address is dropped
    assert (roost.published, roost.doi, roost.venue) == ("2019-08", "10.9999/ibis.2019.0042", "Ibis Letters")
    assert roost.abstract.endswith("mapped where they roosted.")
    assert ("UT", "ZOOREC:ZOOR00000000001") in roost.extra
    assert by_title["Nest height of the marsh wren in flooded reedbeds."].published == "2018-06"  # PD "JUN"


def test_web_of_science_tab_delimited_columns_are_mapped_and_the_trailing_cell_costs_no_row():
    result, by_title = records("wos_tab.txt")
    assert detect_format((SHAPES / "wos_tab.txt").read_bytes(), "wos_tab.txt") == "tsv"
    burn = by_title['Effects of "prescribed" burning on songbird nests']  # a quote in an unquoted cell
    assert burn.authors == ("Voss, Karla L.", "Amari, Taro")  # AF, full names
    assert (burn.published, burn.doi, burn.venue) == ("2017-03", "10.9999/fe.2017.11", "FOREST ECOLOGY")
    assert len(result.records) == 2
    assert [i.reason for i in result.issues] == ["2 rows have a cell past the header's 16 columns (unlabelled); kept"]


def test_scopus_rows_with_an_unlabelled_extra_cell_are_kept_and_reported_once():
    result, by_title = records("scopus_extra_cell.csv")
    assert len(result.records) == 3
    assert [(i.line, i.reason) for i in result.issues] == [
        (None, "3 rows have a cell past the header's 18 columns (unlabelled); kept")
    ]
    roost = by_title["Roost choice of the grey hornbill after storm damage"]
    assert roost.authors == ("Okafor A.N.", "Lindqvist P.B.", "Marsh T.")
    assert (roost.published, roost.doi) == ("2019", "10.9999/ibis.2019.0042")


def test_a_row_shifted_by_extra_text_is_still_refused(tmp_path):
    path = tmp_path / "shifted.csv"
    path.write_text("title,year\nGood,2020\nAlso good,2021\nShifted, by a comma,2022\n", encoding="utf-8")
    result = read_path(path)
    assert [r.title for r in result.records] == ["Good", "Also good"]
    assert result.issues[0].line == 4 and "too many fields" in result.issues[0].reason


def test_arxiv_metadata_snapshot_gives_id_first_version_date_and_split_authors():
    result, by_title = records("arxiv_snapshot.jsonl")
    atoms = by_title["Cold atoms in a tilted lattice"]
    assert atoms.arxiv_id == "0705.0101" and atoms.published == "2007-05"  # v1, not update_date
    assert atoms.authors == ("I. Varga", "J. Müller", "P. O'Neill", "T. Ng")  # from authors_parsed, TeX decoded
    assert atoms.doi == "10.9999/pla.2007.001"  # the first of two DOIs
    assert atoms.venue == "Phys.Lett.A 371:1-5,2007"
    old = by_title["A note on $\\Lambda$-sparse graphs"]  # math kept
    assert (old.arxiv_id, old.published) == ("math/0612001", "2006-12")
    assert result.issues == []


def test_bibtex_recovered_entries_are_cleaned_and_commented_entries_ignored():
    result, by_title = records("dblp_mendeley.bib")
    assert "Withdrawn Draft Title" not in by_title
    assert any(i.line == 2 and "commented out" in i.reason for i in result.issues)
    dblp = by_title["Sparse Transformers for Tiny Devices: A 1–2 Bit Study"]  # "--" and "~" decoded without "\\"
    assert dblp.doi == "10.9999/corr_abs-2001-00042" and dblp.arxiv_id == "2001.00042"  # DBLP's "\\_"
    roost = by_title["Roost choice of the grey hornbill after storm damage"]  # Mendeley's @article{,
    assert roost.published == "2019" and roost.authors == ("Okafor, Ada N.", "Lindqvist, Per B.")
    assert roost.url == "http://example.org/ibis/42"  # the first of two URLs
    wren = by_title["Nest height of the marsh wren"]  # year = {201} then year = {2018}
    assert wren.published == "2018" and wren.doi == "10.9999/wb.2018.7"
    assert by_title["Wren song dialects across valleys"].authors == ("Ito, Kai", "Berg, Lena")


def test_biblatex_crossref_fills_what_the_child_lacks():
    _, by_title = records("dblp_mendeley.bib")
    child = by_title["Radar Gesture Sensing"]
    assert child.venue == "Proceedings of the Radar Conference 2021" and child.published == "2021"
    assert ("publisher", "Radar Society") in child.extra


def test_ris_month_only_da_does_not_override_py():
    _, by_title = records("zotero_month.ris")
    assert by_title["Month-only dates in reference managers"].published == "2018-09"
    assert by_title["A full date wins over the year"].published == "2019-03"


def test_ieee_xplore_csv_is_read():
    _, by_title = records("ieee_xplore.csv")
    kws = by_title["Low-Power Keyword Spotting on Microcontrollers"]  # <i> dropped
    assert kws.authors == ("A. Rahman", "L. Chen", "M. Okafor")
    assert (kws.published, kws.doi) == ("2022", "10.9999/les.2022.3150001")
    assert kws.url == "https://ieeexplore.ieee.org/stamp/stamp.jsp?arnumber=9990001"
    assert kws.venue == "IEEE Embedded Letters"


def test_springer_csv_is_read_and_its_glued_author_names_split():
    _, by_title = records("springer.csv")
    soil = by_title["Soil carbon under rotational grazing"]
    assert soil.authors == ("Hana Mori", "Luis Ortega", "Wei Wu")
    assert (soil.doi, soil.published) == ("10.9999/s0001-017-0003-1", "2017")
    assert by_title["Grazing and Dung Beetles"].authors == ("Ronald McDonald", "Anna Berg")


def test_pubmed_download_is_read_as_records_not_listing_lines():
    result, by_title = records("pubmed.txt")
    assert detect_format((SHAPES / "pubmed.txt").read_bytes(), "pubmed-set.txt") == "medline"  # PubMed's .txt
    assert len(result.records) == 4
    pruned = by_title[
        "Pruned convolutional networks for reading chest radiographs on small hospital servers"
    ]  # TI continued six spaces in; its full stop dropped
    assert pruned.authors == ("Okafor, Ada N", "Lindqvist, Per", "van der Meer, Johanna")  # FAU, not AU
    assert (pruned.published, pruned.doi, pruned.venue) == (
        "2016-01",
        "10.9999/jmi.2016.0101",
        "Journal of medical imaging examples",
    )
    assert pruned.abstract.endswith("while it runs four times faster.")
    assert pruned.url == "https://pubmed.ncbi.nlm.nih.gov/90000001/" and ("PMID", "90000001") in pruned.extra
    translated = by_title["Distillation of a large model into a small one for ward rounds"]  # brackets dropped
    assert (translated.authors, translated.published) == (("Marsh T", "Haddad O"), "2015-11")  # AU alone; Nov-Dec
    assert by_title["Handbook of made-up methods"].published == "2016"  # BTI; "Spring"
    assert by_title["An electronic-only paper dated by DEP"].published == "2016-02"
    (issue,) = result.issues
    assert issue.line == 52 and "90000004" in issue.reason and "no title" in issue.reason


@pytest.mark.parametrize(
    "text, names",
    [
        ("Andy SmithTom Weber", ("Andy Smith", "Tom Weber")),
        ("V. A. BakhtinB. N. Chetverushkin", ("V. A. Bakhtin", "B. N. Chetverushkin")),  # initials open a name
        ("DeHao ChenWenGuang ChenWeiMin Zheng", ("DeHao Chen", "WenGuang Chen", "WeiMin Zheng")),
        ("Yann LeCunGeoffrey HintonJohn McDonald", ("Yann LeCun", "Geoffrey Hinton", "John McDonald")),
        ("Feng WangYun-Fei DuJuan Chen", ("Feng Wang", "Yun-Fei Du", "Juan Chen")),
        ("Changmin LeeWon Woo RoJean-Luc Gaudiot", ("Changmin Lee", "Won Woo Ro", "Jean-Luc Gaudiot")),
        ("Prof. Rafik A. AlievProf. Witold Pedrycz", ("Prof. Rafik A. Aliev", "Prof. Witold Pedrycz")),
    ],
)
def test_springer_names_run_together_are_split_where_a_name_ends(text, names):
    assert split_authors(text, glued=True) == names


def test_zotero_csv_keeps_the_abstract_note_and_the_publication_date():
    _, by_title = records("zotero.csv")
    lora = by_title["Low-rank adapters for on-device speech models"]
    assert lora.abstract.startswith("We fine-tune speech models")  # "Abstract Note"
    assert (lora.published, lora.doi, lora.venue) == ("2022-03", "10.9999/jes.2022.0007", "Journal of Example Speech")
    assert lora.authors == ("Okafor, Ada N.", "Lindqvist, Per")
    pruning = by_title["Pruning vision transformers without retraining"]
    assert (pruning.arxiv_id, pruning.published) == ("2401.09999", "2024-01")  # not the date it was added


def test_csl_json_dates_come_from_issued_date_parts():
    result, by_title = records("csl.json")
    lora = by_title["Low-rank adapters for on-device speech models"]
    assert (lora.published, lora.doi, lora.venue) == ("2022-03", "10.9999/jes.2022.0007", "Journal of Example Speech")
    assert lora.authors == ("Ada N. Okafor", "Per Lindqvist")
    assert by_title["Pruning vision transformers without retraining"].published == "2024-01"
    chapter = by_title["A chapter dated only in words"]
    assert chapter.authors == ("Example Working Group",) and chapter.published == "2019"
    assert result.issues == []


def test_rispy_named_columns_give_the_authors():
    (paper,) = records("rispy_semicolon.csv")[1].values()
    assert paper.authors == ("Okafor, Ada", "Marsh, Tomas") and paper.published == "2023"


def test_an_arxiv_link_among_the_attachment_links_names_the_paper():
    (paper,) = records("citavi_links.ris")[1].values()
    assert paper.arxiv_id == "2111.00001" and paper.published == "2021"


def test_endnote_xml_is_read_from_its_style_runs():
    result, by_title = records("endnote.xml")
    speech = by_title["Quantized speech models on microcontrollers"]  # three style runs, one italic
    assert speech.authors == ("Okafor, A. N.", "Lindqvist, P.")
    assert (speech.published, speech.doi, speech.venue) == (
        "2022-03",
        "10.9999/jes.2022.0007",
        "Journal of Example Speech",
    )
    assert speech.url == "https://example.org/jes/7"  # not the "<Go to ISI>://" pseudo-link
    assert ("keywords", "quantization; speech") in speech.extra
    drones = by_title["Distilling detectors for drones"]
    assert (drones.arxiv_id, drones.published) == ("2401.00002", "2024-01")
    assert [i.reason for i in result.issues] == ["record 3: EndNote record has no title; skipped"]


def test_pubmed_xml_articles_and_book_chapters_are_read():
    result, by_title = records("pubmed.xml")
    kd = by_title["Knowledge distillation of chest radiograph classifiers for small clinics"]  # <i> and full stop gone
    assert kd.authors == ("Okafor, Ada N", "Lindqvist, P", "Example Imaging Consortium")
    assert (kd.published, kd.doi, kd.venue) == ("2020-11", "10.9999/jer.2020.0011", "Journal of example radiology")
    assert kd.abstract == (
        "BACKGROUND: Small clinics cannot run large classifiers. METHODS: A small student network learns from a large teacher."
    )
    assert kd.url == "https://pubmed.ncbi.nlm.nih.gov/90000011/"
    assert by_title["Pruning decision trees for ward triage"].published == "1998-12"  # MedlineDate, brackets gone
    chapter = by_title["Quantized models at the bedside"]
    assert chapter.authors == ("Ito, Kai",) and chapter.published == "2019"  # not the book's editor
    assert [i.reason for i in result.issues] == ["article 4: PubMed article 90000014 has no title; skipped"]


def test_mods_records_with_their_authors_host_and_identifiers():
    result, by_title = records("mods.xml")
    lora = by_title["Low-rank adapters for speech: training one percent of the weights"]
    assert lora.authors == ("Okafor, Ada N.", "Lindqvist, Per")  # not the editor
    assert (lora.published, lora.doi, lora.venue) == ("2022-03", "10.9999/jes.2022.0007", "Journal of Example Speech")
    assert lora.url == "https://example.org/jes/7" and ("identifier issn", "1999-0002") in lora.extra
    robots = by_title["Developing data models for robot fleets"]
    assert (robots.authors, robots.published, robots.arxiv_id) == (("West, Matthew",), "2011", "1101.0003")
    assert [i.reason for i in result.issues] == ["record 3: MODS record has no title; skipped"]


def test_zotero_rdf_items_not_their_journals_attachments_or_notes():
    result, by_title = records("zotero.rdf")
    assert sorted(by_title) == [
        "Low-rank adapters for on-device speech models",
        "Pruning vision transformers without retraining",
    ]
    lora = by_title["Low-rank adapters for on-device speech models"]
    assert lora.authors == ("Okafor, Ada N.", "Example Speech Group")
    assert (lora.published, lora.doi, lora.venue) == ("2022-03", "10.9999/jes.2022.0007", "Journal of Example Speech")
    assert lora.url == "https://example.org/jes/7"
    assert by_title["Pruning vision transformers without retraining"].arxiv_id == "2401.09999"


def test_ris_takes_the_finest_date_that_agrees_with_the_year(tmp_path):
    path = tmp_path / "dated.ris"
    path.write_text("TY  - JOUR\nTI  - A dated paper\nPY  - 2015\nY1  - 2015/09/10\nER  - \n", encoding="utf-8")
    (paper,) = read_path(path).records
    assert paper.published == "2015-09"


def test_json_object_keyed_by_arxiv_id():
    _, by_title = records("arxiv_keyed.json")
    assert by_title["Protein Folding with Diffusion Models"].arxiv_id == "2402.00042"
    assert by_title["Protein Folding with Diffusion Models"].published == "2024-02"


def test_hugging_face_daily_papers_json():
    _, by_title = records("hf_daily.json")
    yolo = by_title["YOLOv12: Attention-Centric Real-Time Object Detectors"]
    assert yolo.arxiv_id == "2502.12524" and yolo.authors == ("Mei Tanaka", "Omar Haddad")
    assert yolo.abstract == "We bring attention to real-time detection." and yolo.published == "2025-02"


def test_openalex_work_with_markup_title_and_inverted_abstract():
    _, by_title = records("openalex.json")
    (work,) = by_title.values()
    assert work.title == "Copper(II) complexes of N-heterocyclic ligands: a DFT study of CO2 binding"
    assert work.abstract == "We bind CO2 to copper." and work.authors == ("Rosa Quispe", "Kai Ito")
    assert (work.doi, work.published, work.venue) == ("10.9999/chem.2020.5", "2020-05", "Journal of Made-up Chemistry")


def test_semantic_scholar_json_with_external_ids():
    _, by_title = records("semantic_scholar.json")
    tiny = by_title["Sparse transformers for tiny devices"]
    assert (tiny.arxiv_id, tiny.doi, tiny.venue) == ("2101.00042", "10.9999/tiny.2021.1", "ICLR Workshop")
    assert tiny.authors == ("Ana Sol", "Ben Ito", "Cy Dee")


def test_scraper_columns_index_author_names_and_nested_links():
    _, by_title = records("scraped_columns.jsonl")
    fold = by_title["Protein Folding with Diffusion Models"]
    assert fold.arxiv_id == "2402.00042"  # an "index" column holding arXiv ids
    assert fold.authors == ("Kim Park", "Lee Ray")  # author_names as Python-list text
    assert fold.url == "https://huggingface.co/papers/2402.00042"  # paper_url


def test_csv_id_column_and_author_names_column():
    _, by_title = records("author_shapes.csv")
    assert by_title["Sparse Mixture-of-Experts for Cafe Recommendation"].arxiv_id == "2305.01234"
    assert by_title["Sparse Mixture-of-Experts for Cafe Recommendation"].authors == (
        "Phillips J.C.",
        "Braun R.",
        "Wang W.",
    )
    assert by_title["Protein Folding with Diffusion Models"].authors == ("Kim Park", "Lee Ray", "Sam Ode", "Uma Tal")
    assert by_title["Sparse transformers for tiny devices"].authors == ("Sol, Ana",)  # one inverted name


def test_an_id_column_of_other_ids_is_not_taken_for_arxiv(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("id,title\nW123,First\nW456,Second\n", encoding="utf-8")
    assert [r.arxiv_id for r in read_path(path).records] == [None, None]


@pytest.mark.parametrize(
    "text, names",
    [
        ("Phillips J.C., Braun R., Wang W.", ("Phillips J.C.", "Braun R.", "Wang W.")),
        ("A Lee, B Chen, C Dee and D Ek", ("A Lee", "B Chen", "C Dee", "D Ek")),
        ("['Ann Lee', \"Bo O'Chen\"]", ("Ann Lee", "Bo O'Chen")),
        ("Lee, Ann; Chen, Bo", ("Lee, Ann", "Chen, Bo")),
        ("Lee, Ann", ("Lee, Ann",)),
        ("Lee, Ann B.", ("Lee, Ann B.",)),
        ("Smith, J. and Jones, M.", ("Smith, J.", "Jones, M.")),
        ("Ileana Streinu and Louis Theran", ("Ileana Streinu", "Louis Theran")),
        ("Stillman, Andrew N. (a.s@example.org)", ("Stillman, Andrew N.",)),
    ],
)
def test_author_strings_split_into_names(text, names):
    assert split_authors(text) == names
