"""Reading briefings: YAML front matter, CommonMark + tables, sanitising,
and clear errors that name the file."""

import pytest

from mirsad.markdown.frontmatter import BriefingError


def test_front_matter_fields_reach_the_page(site):
    site.briefing(
        "sirte", "مصادر ليبية: داعش قرب سرت", tags="[ليبيا, سرت]", category="أمن",
        source='"العربية.نت"', body="فقرة أولى.\n\nفقرة ثانية.",
    )
    built = site.build()
    page = built.page("ar/briefings/sirte.html")
    assert page.findtext(".//h1") == "مصادر ليبية: داعش قرب سرت"
    assert "العربية.نت" in page.find('.//p[@class="briefing-source"]').text_content()
    assert [a.text for a in page.findall('.//ul[@class="tag-list"]//a')] == ["ليبيا", "سرت"]
    assert len(page.findall('.//div[@class="briefing__body"]/p')) == 2
    assert not built.errors


def test_commonmark_and_tables(site):
    site.briefing("t", "جدول", body="""
        ## عنوان فرعي

        - بند *مائل* و**عريض**
        - [رابط](https://example.org/a)

        > اقتباس

        | المدينة | العدد |
        |---|--:|
        | سرت | ٣٥٠ |
        """)
    body = site.build().page("ar/briefings/t.html").find('.//div[@class="briefing__body"]')
    assert body.find("h2").text == "عنوان فرعي"
    assert body.find(".//li/em").text == "مائل" and body.find(".//li/strong").text == "عريض"
    assert body.find(".//a").get("href") == "https://example.org/a"
    assert body.find("blockquote/p").text == "اقتباس"
    cells = [td.text for td in body.findall(".//table/tbody/tr/td")]
    assert cells == ["سرت", "٣٥٠"]
    assert body.find(".//table/tbody/tr/td[2]").get("style") == "text-align:right"


def test_hashtags_stay_text_not_headings(site):
    site.briefing("h", "وسم", body="قوات #الأفريكوم و#البنيان_المرصوص في #سرت")
    body = site.build().page("ar/briefings/h.html").find('.//div[@class="briefing__body"]')
    assert body.find("p").text == "قوات #الأفريكوم و#البنيان_المرصوص في #سرت"
    assert body.find("h1") is None


@pytest.mark.parametrize("hostile, forbidden", [
    ("<script>alert(1)</script>", "<script"),
    ('<img src="x.png" alt="x" onerror="alert(1)">', "onerror"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:"),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', "avascript"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
    ('<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="x">', "data:"),
    ('<p style="position:fixed">x</p>', "position"),
    ('<form action="https://evil.example"><input name="q"></form>', "<form"),
    ('<svg onload="alert(1)"></svg>', "onload"),
])
def test_raw_html_is_sanitised(site, hostile, forbidden):
    site.briefing("x", "عنوان", body=f"قبل\n\n{hostile}\n\nبعد")
    page = site.build().text("ar/briefings/x.html")
    body = page.split('class="briefing__body"')[1].split("</article>")[0]
    assert forbidden.lower() not in body.lower()
    assert "قبل" in body and "بعد" in body


def test_allowed_raw_html_survives(site):
    site.briefing("ok", "عنوان", body='<abbr title="United Nations">UN</abbr> و<bdi>UNSMIL</bdi>')
    body = site.build().page("ar/briefings/ok.html").find('.//div[@class="briefing__body"]')
    assert body.find(".//abbr").get("title") == "United Nations"
    assert body.find(".//bdi").text == "UNSMIL"


@pytest.mark.parametrize("field, value", [
    ("title", '"<script>alert(1)</script>"'),
    ("category", '"<b>أمن</b>"'),
    ("tags", '["<img src=x onerror=alert(1)>"]'),
    ("summary", '"<em>ملخص</em> & <script>x</script>"'),
    ("source", '"<i>العربية.نت</i>"'),
])
def test_front_matter_is_always_escaped_text(site, field, value):
    fields = {"title": '"عنوان"', field: value}
    title = fields.pop("title")
    site.write("briefings/e.md", "---\n" + f"title: {title}\nslug: e\ndate: 2017-01-25\n"
               + "".join(f"{k}: {v}\n" for k, v in fields.items()) + "---\nنص.\n")
    built = site.build()
    for path in built.html_files():
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "<b>أمن</b>" not in text and "<em>ملخص</em>" not in text and "<i>العربية" not in text
    assert not built.errors


def test_derived_slug_transliterates_arabic_titles(site):
    site.write("briefings/a.md", '---\ntitle: "داعش قرب سرت"\ndate: 2017-01-25\n---\nنص.\n')
    built = site.build()
    assert (built.output / "ar/briefings/dsh-qrb-srt.html").exists()


def test_bad_yaml_names_file_and_line_and_others_still_build(site):
    site.briefing("good", "سليم")
    bad = site.write("briefings/bad.md", '---\ntitle: "عنوان\ndate: 2017-01-25\n---\nنص.\n')
    built = site.build()
    assert (built.output / "ar/briefings/good.html").exists()
    assert any(str(bad) in error and "front matter" in error for error in built.errors)


def test_error_messages_carry_file_line_and_fix(tmp_path):
    from mirsad.markdown.frontmatter import split
    with pytest.raises(BriefingError) as error:
        split('---\ntitle: ok\ntags: [a, b\n---\nbody\n', "content/briefings/x.md")
    message = str(error.value)
    assert message.startswith("content/briefings/x.md:")
    assert "invalid YAML" in message and "quotes" in message
    with pytest.raises(BriefingError, match=r"x\.md:1: no front matter\. Start the file"):
        split("# title\n", "x.md")


@pytest.mark.parametrize("text, problem", [
    (b'---\ndate: 2017-01-25\n---\nbody\n', "no title"),
    (b'---\ntitle: "x"\ndate: 2017-01-25\n', "not closed"),
    (b'---\ntitle: "\xd9\x85\xff"\n---\n', "not valid UTF-8"),
    (b'---\ntitle: "x"\ndate: next tuesday-ish\n---\n', "'date: next tuesday-ish' is not understood"),
    (b'---\ntitle: "x"\ntags: {a: 1}\n---\n', "'tags' must be a list"),
])
def test_broken_briefings_are_reported_by_name(site, text, problem):
    site.briefing("fine", "سليم")
    bad = site.write("briefings/broken.md", text)
    built = site.build()
    assert any(str(bad) in error and problem in error for error in built.errors), built.errors
    assert (built.output / "ar/briefings/fine.html").exists()


def test_unknown_front_matter_field_is_warned_with_suggestion(site):
    site.briefing("w", "عنوان", catgory="أمن")
    built = site.build()
    assert any("catgory" in w and "did you mean 'category'" in w for w in built.warnings)

