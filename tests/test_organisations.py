"""Stage two, organisations: a person registers their organisation, a coordinator verifies it, more
contact people join through a one-time link, and the contact sees "🏢 Moja organizacja". Bad
input gets a clear answer and changes nothing; forged buttons show nothing of another organisation."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import timedelta

from bot.app import build_application
from bot.buttons.organisations import OrgMine, OrgReview
from bot.double import running
from bot.organisation import Organisation, default_org_text
from storage import privacy
from storage.organisations import OrgStatus
from tests.conftest import COORDINATOR_ID


async def register_organisation(chat, name="Stowarzyszenie Razem dla Wsi", contact="Ola Nowak") -> None:
    """A person registers an organisation through t.me/<bot>?start=org, answering every question."""
    await chat.send("/start org")
    await chat.tap("✅ Wyrażam zgodę")
    await chat.send(name)
    await chat.tap("Koło gospodyń wiejskich")
    await chat.tap("lubartowski")
    await chat.send("0000123456")  # KRS
    await chat.send("192598184")  # REGON
    await chat.send("526-025-02-74")  # NIP, as people write it
    await chat.send("Działamy na rzecz mieszkańców gminy od dziesięciu lat.")
    await chat.send(contact)
    await chat.send("ola@example.org")
    await chat.send("600 100 200")
    await chat.tap("📨 Zarejestruj")


async def organisation_of(app, chat):
    (organisation, _contact), *_ = await app.services.organisations.of_person(chat.id)
    return organisation


async def test_registering_and_verifying_an_organisation(app, double, coordinator):
    await coordinator.send("/start")
    ola = double.user(user_id=5101, first_name="Ola", language_code="pl")
    await ola.send("/start org")
    assert "Rejestracja organizacji" in ola.last.text
    assert "Wyrażam zgodę na przetwarzanie moich danych kontaktowych" in ola.last.text
    await ola.tap("✅ Wyrażam zgodę")
    assert ola.last.text.startswith("Krok 1 z 10")
    await ola.send("Stowarzyszenie Razem dla Wsi")
    assert ola.last.buttons[:6] == [
        "Organizacja pozarządowa (fundacja, stowarzyszenie)",
        "Szkoła",
        "Instytucja publiczna",
        "Sołectwo",
        "Koło gospodyń wiejskich",
        "Grupa nieformalna",
    ]
    await ola.tap("Koło gospodyń wiejskich")
    await ola.tap("lubartowski")
    # Register numbers are checked: KRS by its form, REGON and NIP by python-stdnum's check digits.
    await ola.send("12345")
    assert "Numer KRS ma 10 cyfr, np. 0000123456." in ola.last.text
    await ola.send("0000123456")
    await ola.send("123456789")
    assert "Ten numer ma błędną cyfrę kontrolną: sprawdź go." in ola.last.text
    await ola.send("192598184")
    await ola.send("123")
    assert "Numer NIP ma 10 cyfr." in ola.last.text
    await ola.send("KRS nie mamy")
    assert "Wpisz same cyfry." in ola.last.text
    await ola.tap("Pomiń »")  # the NIP is optional
    await ola.send("Działamy na rzecz mieszkańców gminy od dziesięciu lat.")
    await ola.send("Ola")
    assert "imię i nazwisko" in ola.last.text  # the application form's name rule: two parts
    await ola.send("Ola Nowak")
    await ola.send("ola@")
    assert "po znaku @ nic nie ma" in ola.last.text
    await ola.send("ola@example.org")
    await ola.send("600 100 200")
    summary = ola.last.text
    assert "Sprawdź dane" in summary and "Rodzaj: Koło gospodyń wiejskich" in summary
    assert "KRS: 0000123456" in summary and "Osoba kontaktowa: Ola Nowak" in summary
    assert await app.services.organisations.of_person(ola.id) == []  # nothing sent before "Zarejestruj"
    await ola.tap("📨 Zarejestruj")
    assert "Dziękujemy!" in ola.last.text

    organisation = await organisation_of(app, ola)
    assert organisation.status == OrgStatus.PENDING and organisation.kind == "kgw"
    assert organisation.answers["krs"] == "0000123456" and organisation.answers["nip"] is None
    assert await app.services.consents.has_current(ola.id, "org_contact", "2026-11")

    assert "Nowa organizacja do weryfikacji: Stowarzyszenie Razem dla Wsi" in coordinator.last.text
    await coordinator.tap("Otwórz")
    card = coordinator.last.text
    assert "Organizacja nr" in card and "czeka na weryfikację" in card
    assert "Ola Nowak ola@example.org, +48600100200" in card
    assert coordinator.last.buttons[:3] == ["✅ Zweryfikuj", "❌ Nie przyjmuj", "❓ Poproś o uzupełnienie"]
    await coordinator.tap("✅ Zweryfikuj")
    await coordinator.tap("✅ Tak, zweryfikuj")
    assert "jest zweryfikowana" in coordinator.last.text
    assert "została zweryfikowana" in ola.last.text

    await ola.send("/start")
    assert "🏢 Moja organizacja" in ola.last.buttons
    await ola.tap("🏢 Moja organizacja")
    mine = ola.last.text
    assert "Stowarzyszenie Razem dla Wsi · zweryfikowana" in mine and "• Ola Nowak" in mine
    assert "🙋 Poproś o wsparcie" in ola.last.buttons
    actions = [r["action"] for r in await app.services.db.fetch_all("SELECT action FROM audit_log ORDER BY id")]
    assert "organisation.registered" in actions and "organisation.verified" in actions


async def test_the_coordinator_asks_the_contact_answers_in_chat_then_a_rejection_with_a_reason(
    app, double, coordinator
):
    ola = double.user(user_id=5102, first_name="Ola", language_code="pl")
    await register_organisation(ola)
    await coordinator.tap("Otwórz")
    await coordinator.tap("❓ Poproś o uzupełnienie")
    await coordinator.send("Ile osób liczy koło?")
    assert "Pytanie zostało wysłane" in coordinator.last.text
    assert "Ile osób liczy koło?" in ola.last.text
    await ola.tap("✍️ Odpowiedz na pytanie")
    await ola.send("Dwadzieścia dwie osoby.")
    assert "Dwadzieścia dwie osoby." in coordinator.last.text
    organisation = await organisation_of(app, ola)
    assert organisation.status == OrgStatus.PENDING  # back with the coordinators
    await coordinator.tap("Otwórz")
    assert "Dwadzieścia dwie osoby." in coordinator.last.text  # in the history
    await coordinator.tap("❌ Nie przyjmuj")
    await coordinator.send("Program obejmuje tylko organizacje z województwa lubelskiego.")
    assert "nie została przyjęta" in coordinator.last.text
    assert "nie może dołączyć do programu" in ola.last.text and "województwa lubelskiego" in ola.last.text
    await ola.send("/start")
    await ola.tap("🏢 Moja organizacja")
    assert "nieprzyjęta" in ola.last.text and "województwa lubelskiego" in ola.last.text
    assert "🙋 Poproś o wsparcie" not in ola.last.buttons


async def test_two_coordinators_deciding_at_once_one_wins_the_other_is_told(app, double, coordinator):
    await app.services.coordinators.add(5199)
    other = double.user(user_id=5199, first_name="Zosia", language_code="pl")
    ola = double.user(user_id=5103, first_name="Ola", language_code="pl")
    await register_organisation(ola)
    organisation = await organisation_of(app, ola)
    for chat in (coordinator, other):
        await chat.send("/start")
        await chat.press(chat.last.message_id, OrgReview(act="o", org=organisation.id).pack())
    await coordinator.tap("✅ Zweryfikuj")
    await other.tap("✅ Zweryfikuj")
    await coordinator.tap("✅ Tak, zweryfikuj")
    await other.tap("✅ Tak, zweryfikuj")
    assert other.alerts[-1].startswith(
        f"Organizacja nr {organisation.id} została już rozpatrzona (teraz: zweryfikowana)"
    )
    await other.press(other.last.message_id, OrgReview(act="r", org=organisation.id).pack())
    assert "została już rozpatrzona" in other.alerts[-1]
    history = await app.services.organisations.history(organisation.id)
    assert [h.action for h in history] == ["registered", "verified"]


async def test_another_contact_joins_with_a_one_time_link_and_a_person_can_also_be_a_volunteer(
    app, double, coordinator
):
    ola = double.user(user_id=5104, first_name="Ola", language_code="pl")
    await register_organisation(ola)
    organisation = await organisation_of(app, ola)
    await ola.press(ola.last.message_id, OrgMine(act="inv", org=organisation.id).pack())
    assert "można zaprosić po weryfikacji" in ola.alerts[-1]  # not verified yet: no link
    await app.services.organisations.verify(organisation.id, COORDINATOR_ID)
    await ola.send("/start")
    await ola.tap("🏢 Moja organizacja")
    await ola.tap("➕ Zaproś kolejną osobę kontaktową")
    assert "Jednorazowy link dla kolejnej osoby kontaktowej" in ola.last.text and "ważny 7 dni" in ola.last.text
    token = re.search(r"start=orgjoin_(\S+)", ola.last.text)[1]

    piotr = double.user(user_id=5105, first_name="Piotr", language_code="pl")
    await piotr.send("/zgloszenie")  # a volunteer's application in progress: the same person may be both
    await piotr.send(f"/start orgjoin_{token}")
    assert "zaprasza Cię do grona swoich osób kontaktowych" in piotr.last.text
    await piotr.tap("✅ Wyrażam zgodę")
    await piotr.send("Piotr Wiśniewski")
    await piotr.send("piotr@example.org")
    await piotr.tap("Pomiń »")
    await piotr.tap("📨 Dołącz do organizacji")
    assert "Jesteś teraz osobą kontaktową organizacji Stowarzyszenie Razem dla Wsi" in piotr.last.text
    assert "Piotr Wiśniewski jest teraz osobą kontaktową" in ola.last.text
    names = [c.name for c in await app.services.organisations.contacts(organisation.id)]
    assert names == ["Ola Nowak", "Piotr Wiśniewski"]

    jan = double.user(user_id=5106, first_name="Jan", language_code="pl")
    await jan.send(f"/start orgjoin_{token}")  # the link works once
    assert "To zaproszenie zostało już wykorzystane" in jan.last.text
    await jan.send("/start orgjoin_forged-token")
    assert "To zaproszenie jest nieważne" in jan.last.text
    assert await app.services.organisations.of_person(jan.id) == []

    # A coordinator can add one too: the card's link, for a verified organisation.
    await coordinator.send("/start")
    await coordinator.press(coordinator.last.message_id, OrgReview(act="inv", org=organisation.id).pack())
    assert "start=orgjoin_" in coordinator.last.text


async def test_forged_buttons_show_nothing_of_another_organisation(app, double, coordinator):
    ola = double.user(user_id=5107, first_name="Ola", language_code="pl")
    await register_organisation(ola)
    organisation = await organisation_of(app, ola)
    await app.services.organisations.verify(organisation.id, COORDINATOR_ID)
    ewa = double.user(user_id=5108, first_name="Ewa", language_code="pl")
    await register_organisation(ewa, name="Szkoła Podstawowa w Wólce", contact="Ewa Lis")
    await ewa.send("/start")
    for act in ("o", "inv", "new", "ans"):
        await ewa.press(ewa.last.message_id, OrgMine(act=act, org=organisation.id).pack())
        assert ewa.alerts[-1] == "Ten przycisk jest już nieaktualny. Wpisz /start, aby otworzyć menu."
    assert "Stowarzyszenie Razem" not in ewa.last.text
    await ewa.press(ewa.last.message_id, OrgReview(act="ay", org=organisation.id).pack())
    assert ewa.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    invites = await app.services.db.fetch_all("SELECT * FROM organisation_invites")
    assert invites == []


async def test_refusing_the_consent_registers_nothing(app, double, coordinator):
    ola = double.user(user_id=5109, first_name="Ola", language_code="pl")
    await ola.send("/start")
    await ola.tap("🏢 Zarejestruj organizację")
    await ola.tap("❌ Nie wyrażam zgody")
    assert "Bez tej zgody nie możemy przechowywać Twoich danych kontaktowych" in ola.last.text
    assert await app.services.organisations.of_person(ola.id) == []
    assert not await app.services.consents.has_current(ola.id, "org_contact", "2026-11")


async def test_my_data_shows_and_exports_the_contact_and_deleting_one_contact_keeps_the_organisation(
    app, double, coordinator
):
    ola = double.user(user_id=5110, first_name="Ola", language_code="pl")
    await register_organisation(ola)
    organisation = await organisation_of(app, ola)
    await app.services.organisations.verify(organisation.id, COORDINATOR_ID)
    token = await app.services.organisations.invite(organisation.id, ola.id, timedelta(days=1), app.services.clock())
    piotr = double.user(user_id=5111, first_name="Piotr", language_code="pl")
    await piotr.send("/start")
    await app.services.organisations.redeem(token, piotr.id, {"full_name": "Piotr Lis"}, app.services.clock())

    await ola.send("/moje_dane")
    assert "Organizacje (jesteś osobą kontaktową)" in ola.last.text
    assert "Stowarzyszenie Razem dla Wsi (zweryfikowana): Ola Nowak ola@example.org, +48600100200" in ola.last.text
    assert "dane osoby kontaktowej organizacji: zgoda udzielona (wersja 2026-11" in ola.last.text
    exported = await privacy.personal_data(app.services.db, ola.id)
    assert exported["data"]["organisation_contacts"][0]["email"] == "ola@example.org"
    assert json.dumps(exported, ensure_ascii=False).count("Piotr") == 0  # another contact's data is theirs

    await privacy.erase(app.services.db, ola.id)
    assert await app.services.organisations.get(organisation.id) is not None  # Piotr still speaks for it
    assert [c.name for c in await app.services.organisations.contacts(organisation.id)] == ["Piotr Lis"]

    # An organisation never verified goes with its last contact: nobody is left to talk to about it.
    ewa = double.user(user_id=5112, first_name="Ewa", language_code="pl")
    await register_organisation(ewa, name="Grupa Sąsiedzka", contact="Ewa Lis")
    pending = await organisation_of(app, ewa)
    await privacy.erase(app.services.db, ewa.id)
    assert await app.services.organisations.get(pending.id) is None


async def test_an_organisation_file_without_partners_offers_none_of_it(settings, double):
    data = tomllib.loads(default_org_text())
    del data["partners"]
    async with running(build_application(settings, double, org=Organisation.model_validate(data)), double):
        ola = double.user(user_id=5120, first_name="Ola", language_code="pl")
        await ola.send("/start org")
        assert not any("organizac" in b for b in ola.last.buttons)
        assert "Rejestracja organizacji" not in ola.last.text


async def test_a_contact_stops_being_one_and_withdraws_the_consent(app, double, coordinator):
    ola = double.user(user_id=5121, first_name="Ola", language_code="pl")
    await register_organisation(ola)
    organisation = await organisation_of(app, ola)
    await app.services.organisations.verify(organisation.id, COORDINATOR_ID)
    token = await app.services.organisations.invite(organisation.id, ola.id, timedelta(days=1), app.services.clock())
    piotr = double.user(user_id=5122, first_name="Piotr", language_code="pl")
    await piotr.send("/start")
    await app.services.organisations.redeem(token, piotr.id, {"full_name": "Piotr Lis"}, app.services.clock())
    await piotr.send("/start")
    await piotr.tap("🏢 Moja organizacja")
    await piotr.tap("🚪 Przestań być osobą kontaktową")
    assert "Twoje dane kontaktowe zostaną usunięte, a zgoda wycofana" in piotr.last.text
    await piotr.tap("Nie, zostaję")
    assert "• Piotr Lis" in piotr.last.text
    await piotr.tap("🚪 Przestań być osobą kontaktową")
    await piotr.tap("Tak, rezygnuję")
    assert "Nie jesteś już osobą kontaktową organizacji Stowarzyszenie Razem dla Wsi" in piotr.last.text
    assert "🏢 Zarejestruj organizację" in piotr.last.buttons
    assert "Piotr Lis nie jest już osobą kontaktową" in ola.last.text
    assert [c.name for c in await app.services.organisations.contacts(organisation.id)] == ["Ola Nowak"]
    consent = await app.services.consents.current(piotr.id, "org_contact")
    assert consent is not None and not consent.granted
    # The old button of a contact no more: nothing to see.
    await piotr.press(piotr.last.message_id, OrgMine(act="o", org=organisation.id).pack())
    assert piotr.alerts[-1] == "Ten przycisk jest już nieaktualny. Wpisz /start, aby otworzyć menu."

    # The only contact of an organisation never verified: its registration goes with them.
    ewa = double.user(user_id=5123, first_name="Ewa", language_code="pl")
    await register_organisation(ewa, name="Grupa Sąsiedzka", contact="Ewa Lis")
    pending = await organisation_of(app, ewa)
    await ewa.send("/start")
    await ewa.tap("🏢 Moja organizacja")
    await ewa.tap("🚪 Przestań być osobą kontaktową")
    assert "jej rejestracja też zostanie usunięta" in ewa.last.text
    await ewa.tap("Tak, rezygnuję")
    assert await app.services.organisations.get(pending.id) is None


async def test_an_invitation_expires_and_is_refused(app, double, coordinator):
    ola = double.user(user_id=5124, first_name="Ola", language_code="pl")
    await register_organisation(ola)
    organisation = await organisation_of(app, ola)
    await app.services.organisations.verify(organisation.id, COORDINATOR_ID)
    long_ago = app.services.clock() - timedelta(days=10)
    token = await app.services.organisations.invite(organisation.id, ola.id, timedelta(days=7), long_ago)
    jan = double.user(user_id=5125, first_name="Jan", language_code="pl")
    await jan.send(f"/start orgjoin_{token}")
    assert "To zaproszenie wygasło. Poproś o nowe." in jan.last.text
    assert await app.services.organisations.of_person(jan.id) == []


async def test_an_organisation_registered_twice_is_pointed_out_to_the_coordinator(app, double, coordinator):
    ola = double.user(user_id=5126, first_name="Ola", language_code="pl")
    await register_organisation(ola)
    first = await organisation_of(app, ola)
    ewa = double.user(user_id=5127, first_name="Ewa", language_code="pl")
    await register_organisation(ewa, name="KGW Razem", contact="Ewa Lis")  # the same KRS, REGON and NIP
    await coordinator.tap("Otwórz")
    card = coordinator.last.text
    assert f"⚠️ Ten sam numer KRS co w organizacji nr {first.id}, Stowarzyszenie Razem dla Wsi." in card
    assert f"⚠️ Ten sam numer NIP co w organizacji nr {first.id}" in card
