"""The local mailbox (devstack.mailbox): boto3's sesv2 client sends to it, /messages.json and the page show what came,
and templates (fixtures/mail.yaml's AWS::SES::Template resources, or created through the API) render as SES's do."""

import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config

from devstack.mailbox import Mailbox, RenderingFailure, local_environment, render, ses_templates, start_mailbox
from devstack.template import load_template

FIXTURE = load_template(Path(__file__).resolve().parent / "fixtures" / "mail.yaml")
LINES = [{"quantity": 2, "title": "Tea <green>"}, {"quantity": 1, "title": "Cup"}]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    started = start_mailbox(FIXTURE)
    yield started
    started.stop()


@pytest.fixture
def ses(mailbox):
    return boto3.client(
        "sesv2", endpoint_url=mailbox.url, region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )


def messages(mailbox: Mailbox) -> list[dict]:
    response = requests.get(f"{mailbox.url}/messages.json", timeout=5)
    assert response.status_code == 200
    return response.json()


def simple(subject: str, text: str | None = "text", html: str | None = None, to: str = "alice@example.com") -> dict:
    body = {**({"Text": {"Data": text}} if text else {}), **({"Html": {"Data": html}} if html else {})}
    return {
        "FromEmailAddress": "shop@example.com",
        "Destination": {"ToAddresses": [to]},
        "Content": {"Simple": {"Subject": {"Data": subject}, "Body": body}},
    }


def test_given_simple_email_when_sent_with_sesv2_then_it_is_in_messages_json(ses, mailbox):
    response = ses.send_email(**simple("Your order", text="Thanks", html="<b>Thanks</b>"))

    [message] = messages(mailbox)
    assert response["MessageId"] == message["message_id"]
    assert message["to"] == ["alice@example.com"]
    assert (message["subject"], message["text"], message["html"]) == ("Your order", "Thanks", "<b>Thanks</b>")
    assert message["from"] == "shop@example.com"
    assert message["sent_at"].endswith("Z")


def test_given_endpoint_from_environment_when_sending_then_boto3_finds_the_mailbox(mailbox, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", mailbox.url)

    boto3.client("sesv2", region_name="us-east-1").send_email(**simple("Via the environment"))

    assert [message["subject"] for message in messages(mailbox)] == ["Via the environment"]


def test_given_several_messages_when_listed_then_newest_first(ses, mailbox):
    for subject in ("first", "second", "third"):
        ses.send_email(**simple(subject))

    assert [message["subject"] for message in messages(mailbox)] == ["third", "second", "first"]


def test_given_template_from_the_stack_template_when_sent_then_rendered_as_ses_does(ses, mailbox):
    data = {"order_id": "o-1", "name": "Alice & Bob", "lines": LINES, "total": "12.50"}

    ses.send_email(
        FromEmailAddress="shop@example.com",
        Destination={"ToAddresses": ["alice@example.com"]},
        # The TemplateName is a !Sub: the logical id stands in for it locally.
        Content={"Template": {"TemplateName": "OrderPlacedTemplate", "TemplateData": json.dumps(data)}},
    )

    [message] = messages(mailbox)
    assert message["subject"] == "Order o-1 placed"
    assert message["text"] == "Hello Alice & Bob,\n- 2 x Tea <green>\n- 1 x Cup\nTotal: 12.50\n"
    assert message["html"] == (
        "<h1>Hello Alice &amp; Bob</h1><ul><li>2 x Tea &lt;green&gt;</li><li>1 x Cup</li></ul><p>No note</p>"
    )
    assert message["template"] == "OrderPlacedTemplate"


def test_given_template_by_arn_with_nested_data_when_sent_then_rendered(ses, mailbox):
    ses.send_email(
        FromEmailAddress="shop@example.com",
        Destination={"ToAddresses": ["alice@example.com"]},
        Content={
            "Template": {
                "TemplateArn": "arn:aws:ses:us-east-1:123456789012:template/order-shipped",
                "TemplateData": json.dumps({"order": {"id": "o-2", "tracking": "TRK1"}}),
            }
        },
    )

    [message] = messages(mailbox)
    assert (message["subject"], message["text"], message["html"]) == ("Order o-2 shipped", "Tracking: TRK1", None)


def test_given_template_created_through_api_when_sent_then_used_and_listed(ses, mailbox):
    ses.create_email_template(
        TemplateName="welcome",
        TemplateContent={"Subject": "Welcome {{name}}", "Text": "Hi {{name}}", "Html": "<p>Hi {{{name}}}</p>"},
    )

    ses.send_email(
        FromEmailAddress="shop@example.com",
        Destination={"ToAddresses": ["bob@example.com"]},
        Content={"Template": {"TemplateName": "welcome", "TemplateData": json.dumps({"name": "<i>Bob</i>"})}},
    )

    [message] = messages(mailbox)
    assert message["html"] == "<p>Hi <i>Bob</i></p>"  # triple braces: not escaped
    names = [item["TemplateName"] for item in ses.list_email_templates()["TemplatesMetadata"]]
    assert names == ["OrderPlacedTemplate", "order-shipped", "welcome"]
    assert ses.get_email_template(TemplateName="welcome")["TemplateContent"]["Subject"] == "Welcome {{name}}"


def test_given_existing_template_when_created_again_updated_or_deleted_then_as_ses(ses):
    with pytest.raises(ses.exceptions.AlreadyExistsException):
        ses.create_email_template(TemplateName="order-shipped", TemplateContent={"Subject": "x"})

    ses.update_email_template(TemplateName="order-shipped", TemplateContent={"Subject": "New {{x}}"})
    assert ses.get_email_template(TemplateName="order-shipped")["TemplateContent"] == {"Subject": "New {{x}}"}
    ses.delete_email_template(TemplateName="order-shipped")

    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_email_template(TemplateName="order-shipped")
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.delete_email_template(TemplateName="order-shipped")
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.update_email_template(TemplateName="order-shipped", TemplateContent={"Subject": "x"})


def test_given_unknown_template_when_sent_then_not_found_and_nothing_caught(ses, mailbox):
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.send_email(
            FromEmailAddress="shop@example.com",
            Destination={"ToAddresses": ["alice@example.com"]},
            Content={"Template": {"TemplateName": "nope", "TemplateData": "{}"}},
        )

    assert messages(mailbox) == []


def test_given_data_missing_a_variable_when_sent_then_accepted_but_not_delivered_and_failure_listed(ses, mailbox):
    response = ses.send_email(
        FromEmailAddress="shop@example.com",
        Destination={"ToAddresses": ["alice@example.com"]},
        Content={"Template": {"TemplateName": "order-shipped", "TemplateData": json.dumps({"order": {"id": "o"}})}},
    )

    assert response["MessageId"]  # SES accepts it: the failure comes at rendering
    assert messages(mailbox) == []
    [failure] = requests.get(f"{mailbox.url}/rendering-failures.json", timeout=5).json()
    assert failure["error"] == "Attribute 'order.tracking' is not present in the rendering data."
    assert "order.tracking" in requests.get(f"{mailbox.url}/", timeout=5).text


@pytest.mark.parametrize(
    "request_arguments",
    [
        {"Destination": {"ToAddresses": ["a@example.com"]}, "Content": {"Simple": {"Subject": {"Data": "s"},
                                                                                  "Body": {"Text": {"Data": "t"}}}}},
        {"FromEmailAddress": "shop@example.com", "Destination": {},
         "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}}},
        {"FromEmailAddress": "shop@example.com", "Destination": {"ToAddresses": ["a@example.com"]}, "Content": {}},
        {"FromEmailAddress": "shop@example.com", "Destination": {"ToAddresses": ["a@example.com"]},
         "Content": {"Template": {"TemplateName": "order-shipped", "TemplateData": "{not json"}}},
        {"FromEmailAddress": "shop@example.com", "Content": {"Raw": {"Data": b"Subject: no To header\n\nbody"}}},
    ],
    ids=["no sender", "no recipient", "no content", "template data not json", "raw without recipient"],
)  # fmt: skip
def test_given_bad_send_request_when_sent_then_bad_request_and_nothing_caught(ses, mailbox, request_arguments):
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.send_email(**request_arguments)

    assert messages(mailbox) == []


def test_given_raw_mime_message_when_sent_then_its_parts_are_caught(ses, mailbox):
    mime = EmailMessage()
    mime["From"] = "shop@example.com"
    mime["To"] = "carol@example.com"
    mime["Subject"] = "Raw one"
    mime.set_content("plain part")
    mime.add_alternative("<p>html part</p>", subtype="html")

    ses.send_email(Content={"Raw": {"Data": mime.as_bytes()}})

    [message] = messages(mailbox)
    assert (message["to"], message["subject"]) == (["carol@example.com"], "Raw one")
    assert message["text"].strip() == "plain part"
    assert message["html"].strip() == "<p>html part</p>"


def test_given_hostile_message_when_page_shown_then_escaped_and_html_body_sandboxed(ses, mailbox):
    ses.send_email(**simple("<script>alert(1)</script>", text="<b>t</b>", html='<img src=x onerror="alert(2)">'))

    response = requests.get(f"{mailbox.url}/", timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    page = response.text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;t&lt;/b&gt;" in page
    assert '<iframe sandbox title="HTML body" srcdoc="&lt;img src=x onerror=&quot;alert(2)&quot;&gt;">' in page


def test_given_messages_when_page_shown_then_newest_first(ses, mailbox):
    ses.send_email(**simple("older"))
    ses.send_email(**simple("newer"))

    page = requests.get(f"{mailbox.url}/", timeout=5).text

    assert page.index("newer") < page.index("older")


def test_given_messages_when_mailbox_emptied_then_none_left(ses, mailbox):
    ses.send_email(**simple("gone soon"))

    assert requests.delete(f"{mailbox.url}/messages.json", timeout=5).status_code == 204
    assert messages(mailbox) == []


def test_given_unknown_path_or_garbage_body_when_requested_then_client_errors_not_crashes(mailbox):
    assert requests.get(f"{mailbox.url}/nope", timeout=5).status_code == 404
    response = requests.post(f"{mailbox.url}/v2/email/outbound-emails", data=b"{not json", timeout=5)
    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "BadRequestException"
    assert requests.post(f"{mailbox.url}/v2/email/outbound-emails", data=b"[]", timeout=5).status_code == 400


@pytest.mark.parametrize(
    "content",
    [{"Template": "order-shipped"}, {"Template": {"TemplateContent": "x", "TemplateData": "{}"}}, {"Simple": []}],
)
def test_given_members_of_the_wrong_type_sent_raw_when_sending_then_bad_request(mailbox, content):
    request = {"FromEmailAddress": "a@example.com", "Destination": {"ToAddresses": ["b@example.com"]}}

    response = requests.post(
        f"{mailbox.url}/v2/email/outbound-emails", data=json.dumps({**request, "Content": content}), timeout=5
    )

    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "BadRequestException"
    assert messages(mailbox) == []


def test_given_stack_template_when_read_then_ses_templates_named_by_template_name_or_logical_id():
    assert sorted(template.name for template in ses_templates(FIXTURE)) == ["OrderPlacedTemplate", "order-shipped"]


@pytest.mark.parametrize(
    ("template", "data", "expected"),
    [
        ("{{a}} and {{ a }}", {"a": 1}, "1 and 1"),
        ("{{#if flag}}yes{{else}}no{{/if}}", {"flag": False}, "no"),
        ("{{#if missing}}yes{{/if}}", {}, ""),  # a condition may be absent; a replacement may not
        ("{{#unless flag}}off{{/unless}}", {"flag": 0}, "off"),
        ("{{#each items}}{{@index}}:{{this}} {{/each}}", {"items": ["a", "b"]}, "0:a 1:b "),
        ("{{#each items}}{{name}}{{../sep}}{{/each}}", {"items": [{"name": "x"}], "sep": ";"}, "x;"),
        ("{{#each items}}x{{else}}empty{{/each}}", {"items": []}, "empty"),
        ("{{! a comment }}ok", {}, "ok"),
        ("{{flag}} {{nothing}}", {"flag": True, "nothing": None}, "true "),
    ],
)
def test_given_handlebars_template_when_rendered_then_as_ses_renders(template, data, expected):
    assert render(template, data) == expected


@pytest.mark.parametrize(
    "template",
    ["{{missing}}", "{{#each missing}}x{{/each}}", "{{#with a}}x{{/with}}", "{{> partial}}", "{{#if a}}open"],
)
def test_given_template_ses_cannot_render_when_rendered_then_rendering_failure(template):
    with pytest.raises(RenderingFailure):
        render(template, {"a": 1})


def test_given_template_with_unsupported_helper_when_created_then_bad_request(ses):
    with pytest.raises(ses.exceptions.BadRequestException):
        ses.create_email_template(TemplateName="bad", TemplateContent={"Subject": "{{#with a}}x{{/with}}"})


def test_given_host_and_port_when_environment_asked_then_boto3_endpoint_variable_for_sesv2():
    assert local_environment("127.0.0.1", 3004) == {"AWS_ENDPOINT_URL_SESV2": "http://127.0.0.1:3004"}
