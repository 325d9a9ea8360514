"""Deleting an account that holds an agreement (issue 12, item 9), the export's values (item 10)
and the coordinator's wording of an offered agreement (item 21), through the real Application."""

from __future__ import annotations

import json
from datetime import date, timedelta

from bot.buttons.plan import PlanReview
from bot.jobs.retention import apply_retention
from storage import open_database
from storage.agreements import ACCOUNT_DELETED, AgreementRepository, State
from tests.test_agreements import START, accept, accepted, capp, now, offer, staff  # noqa: F401 (fixtures)

VOLUNTEER = 2101
SHORT = "20.11.2026 – 19.12.2026"  # documentary form: in force once accepted


async def in_force(capp, double, staff):  # noqa: F811
    anna = await accepted(double, staff, VOLUNTEER)
    await offer(staff, SHORT)
    await anna.tap("📄 Moje porozumienie")
    await accept(anna)
    (agreement,) = await capp.services.agreements.for_volunteer(VOLUNTEER)
    assert agreement.state == State.ACTIVE
    return anna, agreement


async def delete_account(chat, *, ends: bool = True):
    await chat.send("/moje_dane")
    await chat.tap("🗑 Usuń moje konto")
    assert ("Twoje porozumienie wolontariackie zakończy się dziś" in chat.last.text) is ends
    await chat.tap("🗑 Tak, usuń moje konto")
    assert "Twoje konto zostało usunięte" in chat.last.text


async def test_deleting_the_account_ends_the_agreement_and_tells_the_coordinators(capp, double, staff):  # noqa: F811
    anna, agreement = await in_force(capp, double, staff)
    await delete_account(anna)

    ended = await capp.services.agreements.get(agreement.id)
    assert (ended.state, ended.end_reason, ended.ended_on) == (State.ENDED, ACCOUNT_DELETED, date(2026, 11, 20))
    assert ended.owner_deleted_at == START
    assert (await capp.services.agreements.history(agreement.id))[-1].action == "ended"
    # The evidence stays: the text, its acceptance in chat.
    assert await capp.services.agreements.acceptance(agreement.id) is not None
    assert await capp.services.agreements.verify(agreement.id) is True

    told = staff.last.text
    assert told.startswith("⏹ Porozumienie nr FRdR/2026/") and "usunięte" in told
    await staff.tap("Otwórz")
    card = staff.last.text
    assert "Wolontariusz: konto usunięte" in card or "Wolontariusz/ka: konto usunięte" in card
    assert "Powód: konto usunięte" in card
    presses = [button.callback_data for row in staff.last.keyboard for button in row]
    assert PlanReview(act="u", ref=VOLUNTEER).pack() not in presses  # the plan and a renewal are the person's
    assert f"ga:rn:{agreement.id}" not in presses and f"ga:pdf:{agreement.id}" in presses
    await staff.tap("« Wróć do listy")
    assert any("konto usunięte" in label for label in staff.last.buttons)


async def test_a_new_account_with_the_same_telegram_id_never_sees_the_kept_agreement(capp, double, staff):  # noqa: F811
    anna, agreement = await in_force(capp, double, staff)
    old_menu = anna.last.message_id
    await delete_account(anna)

    await anna.send("/start")
    await anna.tap("📄 Moje porozumienie")
    assert "FRdR/2026" not in anna.last.text and "Status:" not in anna.last.text
    assert "⏹ Zakończ porozumienie" not in anna.last.buttons
    assert "🌱 Mój plan rozwoju" not in anna.last.buttons
    for forged in (f"ag:pdf:{agreement.id}", f"ag:end:{agreement.id}", f"ag:att:{agreement.id}"):
        await anna.press(old_menu, forged)
        assert anna.alerts[-1].startswith("Ten przycisk jest już nieaktualny."), forged
    await anna.send("/moje_dane")
    await anna.tap("📦 Pobierz wszystkie moje dane (JSON)")
    exported = json.loads(anna.last.document_bytes)["data"]
    assert not {"agreements", "agreement_acceptances", "agreement_files", "agreement_history"} & set(exported)
    await anna.send("/moje_dane")
    await anna.tap("🗑 Usuń moje konto")
    assert "Przepisy zobowiązują" not in anna.last.text  # the new account holds no agreement
    assert "zakończy się dziś" not in anna.last.text

    # Accepted again, the new account gets an agreement of its own.
    await anna.send("/start")
    again = await accepted(double, staff, VOLUNTEER)
    await staff.send("/porozumienia")
    assert staff.last.buttons[0] == "🆕 Osoby przyjęte, bez porozumienia (0)"  # the draft was made on acceptance
    await offer(staff, SHORT)
    await again.tap("📄 Moje porozumienie")
    mine = await capp.services.agreements.for_volunteer(VOLUNTEER)
    assert [a.state for a in mine] == [State.OFFERED] and mine[0].id != agreement.id


async def test_an_agreement_accepted_but_not_in_force_is_ended_too(capp, double, staff):  # noqa: F811
    anna = await accepted(double, staff, VOLUNTEER)
    await offer(staff)  # the default period: written form, waits for the signed copy
    await anna.tap("📄 Moje porozumienie")
    await accept(anna)
    (agreement,) = await capp.services.agreements.for_volunteer(VOLUNTEER)
    assert agreement.state == State.ACCEPTED
    await delete_account(anna)
    assert (await capp.services.agreements.get(agreement.id)).state == State.ENDED
    assert "⏹ Porozumienie nr" in staff.last.text


async def test_the_export_holds_real_json_values(capp, double, staff):  # noqa: F811
    anna, _agreement = await in_force(capp, double, staff)
    await anna.send("/moje_dane")
    await anna.tap("📦 Pobierz wszystkie moje dane (JSON)")
    data = json.loads(anna.last.document_bytes)["data"]
    answers = {a["field_id"]: a["value"] for a in data["application_answers"]}
    assert answers["full_name"] == "Anna Kowalska"
    assert answers["email"].lower() == "anna.kowalska@example.org"
    assert any(isinstance(value, list) for value in answers.values())
    for row in data["application_answers"]:
        assert not (isinstance(row["value"], str) and row["value"].startswith('"')), row
    assert data["users"][0]["first_name"] == "Anna"  # plain columns stay as they are

    # A JSON object kept in a text column (a correction's note: field, was, now) is an object too.
    application_id = data["application_answers"][0]["application_id"]
    note = json.dumps({"field": "county", "was": ["lubelski"], "now": ["łukowski"]}, ensure_ascii=False)
    await capp.services.db.execute(
        "INSERT INTO application_history (application_id, at, actor_id, action, note) "
        "VALUES (?, '2026-11-20T09:00:00.000000+00:00', 1, 'fixed', ?)",
        (application_id, note),
    )
    await anna.send("/moje_dane")
    await anna.tap("📦 Pobierz wszystkie moje dane (JSON)")
    history = json.loads(anna.last.document_bytes)["data"]["application_history"]
    assert history[-1]["note"] == {"field": "county", "was": ["lubelski"], "now": ["łukowski"]}


async def test_the_coordinator_sees_an_offer_in_words_for_coordinators(capp, double, staff):  # noqa: F811
    anna = await accepted(double, staff, VOLUNTEER)
    await offer(staff, SHORT)
    card = staff.last.text
    assert "czeka na Twoją akceptację" not in card
    assert "· przekazane, czeka na akceptację wolontariusza/" in card
    await anna.tap("📄 Moje porozumienie")
    assert "Status: czeka na Twoją akceptację" in anna.last.text


async def test_agreements_of_accounts_deleted_before_the_upgrade_are_ended_by_the_migration(tmp_path):
    path = tmp_path / "old.db"
    db = await open_database(path, migrate_to=8)
    stamp = "2026-10-01T10:00:00.000000+00:00"
    for telegram_id, name in ((7, ""), (8, "Zofia")):  # 7 deleted the account: the bare id is left
        await db.execute(
            "INSERT INTO users (telegram_id, first_name, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
            (telegram_id, name, stamp, stamp),
        )
        await db.execute(
            "INSERT INTO agreements (telegram_id, state, start_date, end_date, created_at, updated_at) "
            "VALUES (?, 'active', '2026-09-01', '2027-02-28', ?, ?)",
            (telegram_id, stamp, stamp),
        )
    await db.execute(
        "INSERT INTO applications (telegram_id, status, created_at, updated_at) VALUES (8, 'accepted', ?, ?)",
        (stamp, stamp),
    )
    await db.close()
    db = await open_database(path)
    try:
        repository = AgreementRepository(db)
        assert await repository.for_volunteer(7) == []
        (kept,) = await db.fetch_all("SELECT * FROM agreements WHERE telegram_id = 7")
        assert (kept["state"], kept["end_reason"], kept["ended_on"]) == ("ended", ACCOUNT_DELETED, "2026-10-01")
        assert (await repository.history(kept["id"]))[-1].note == ACCOUNT_DELETED
        (zofia,) = await repository.for_volunteer(8)
        assert zofia.state == State.ACTIVE and zofia.owner_deleted_at is None
    finally:
        await db.close()


async def test_the_old_confirmation_pressed_again_does_not_delete_the_new_account(capp, double, staff, now):  # noqa: F811
    anna, _agreement = await in_force(capp, double, staff)
    now[0] = now[0] + timedelta(minutes=1)
    await anna.send("/moje_dane")
    await anna.tap("🗑 Usuń moje konto")
    confirmation = anna.last
    data = confirmation.button("🗑 Tak, usuń moje konto").callback_data
    await anna.press(confirmation.message_id, data)
    assert "Twoje konto zostało usunięte" in anna.last.text
    now[0] = now[0] + timedelta(minutes=5)
    await anna.send("/start")
    await anna.press(confirmation.message_id, data)  # delivered again, or pressed by the new account
    assert anna.alerts[-1].startswith("Ten przycisk jest już nieaktualny.")
    assert (await capp.services.users.get(VOLUNTEER)).first_name == "Anna"
    assert len([e for e in await capp.services.audit.all() if e.action == "account.deleted"]) == 1


async def test_an_offer_not_accepted_goes_with_the_account_and_the_coordinators_are_told(capp, double, staff):  # noqa: F811
    anna = await accepted(double, staff, VOLUNTEER)
    await offer(staff, SHORT)
    (agreement,) = await capp.services.agreements.for_volunteer(VOLUNTEER)
    await delete_account(anna, ends=False)
    assert await capp.services.agreements.get(agreement.id) is None
    told = staff.last.text
    assert told.startswith(f"🗑 Porozumienie #{agreement.id} (nr FRdR/2026/") and "usunięte" in told
    assert staff.last.buttons == []  # nothing left to open


async def test_a_new_account_that_goes_quiet_is_erased_by_retention_the_kept_agreement_stays(capp, double, staff, now):  # noqa: F811
    anna, agreement = await in_force(capp, double, staff)
    await delete_account(anna)
    await anna.send("/start")
    await anna.send("/jezyk")
    await anna.tap("🇬🇧 English")
    assert (await capp.services.users.get(VOLUNTEER)).chosen_locale == "en"
    now[0] = now[0] + timedelta(days=3 * 365)
    counts = await apply_retention(capp)
    assert counts["people"] == 1
    profile = await capp.services.users.get(VOLUNTEER)  # the bare id again, for the agreement kept
    assert (profile.first_name, profile.chosen_locale) == ("", None)
    assert (await capp.services.agreements.get(agreement.id)).owner_deleted_at is not None
    assert not any((await apply_retention(capp)).values())
