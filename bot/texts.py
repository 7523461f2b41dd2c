"""Everything the bot says, in German (default), English, Turkish and Arabic. Short and friendly.

``t(lang, key, **values)``; a key missing in a language falls back to English, then German.
Category names, questions and backend messages come from the backend (German or English).
"""

from __future__ import annotations

LANGUAGES = ("de", "en", "tr", "ar")
LANGUAGE_NAMES = {"de": "🇩🇪 Deutsch", "en": "🇬🇧 English", "tr": "🇹🇷 Türkçe", "ar": "🇸🇾 العربية"}

# (command, aliases, description key). The first name is shown in German menus, the last in
# the others; every alias works in every language.
COMMANDS = [
    (("start",), "cmd_start"),
    (("status",), "cmd_status"),
    (("meine", "mine"), "cmd_mine"),
    (("abbrechen", "cancel"), "cmd_cancel"),
    (("hilfe", "help"), "cmd_help"),
    (("sprache", "language"), "cmd_language"),
    (("datenschutz", "privacy"), "cmd_privacy"),
    (("loeschen", "delete"), "cmd_delete"),
]

STATUS = {
    "de": {
        "new": "Eingegangen",
        "in_review": "Wird geprüft",
        "in_progress": "In Bearbeitung",
        "forwarded": "An die zuständige Stelle weitergeleitet",
        "resolved": "Erledigt",
        "not_resolvable": "Nicht lösbar",
        "duplicate": "Schon gemeldet (Duplikat)",
        "rejected": "Abgelehnt",
        "reopened": "Wieder geöffnet",
        "open": "offen",
        "closed": "abgeschlossen",
    },
    "en": {
        "new": "Received",
        "in_review": "Being reviewed",
        "in_progress": "In progress",
        "forwarded": "Forwarded to the responsible office",
        "resolved": "Resolved",
        "not_resolvable": "Cannot be resolved",
        "duplicate": "Already reported (duplicate)",
        "rejected": "Rejected",
        "reopened": "Reopened",
        "open": "open",
        "closed": "closed",
    },
    "tr": {
        "new": "Alındı",
        "in_review": "İnceleniyor",
        "in_progress": "İşlemde",
        "forwarded": "Yetkili birime iletildi",
        "resolved": "Çözüldü",
        "not_resolvable": "Çözülemiyor",
        "duplicate": "Zaten bildirildi",
        "rejected": "Reddedildi",
        "reopened": "Yeniden açıldı",
        "open": "açık",
        "closed": "kapalı",
    },
    "ar": {
        "new": "تم الاستلام",
        "in_review": "قيد المراجعة",
        "in_progress": "قيد المعالجة",
        "forwarded": "أُحيل إلى الجهة المختصة",
        "resolved": "تم الحل",
        "not_resolvable": "لا يمكن حله",
        "duplicate": "تم الإبلاغ عنه مسبقًا",
        "rejected": "مرفوض",
        "reopened": "أعيد فتحه",
        "open": "مفتوح",
        "closed": "مغلق",
    },
}

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "cmd_start": "Neue Meldung",
        "cmd_status": "Stand einer Meldung (/status DO-…)",
        "cmd_mine": "Meine Meldungen",
        "cmd_cancel": "Abbrechen",
        "cmd_help": "Hilfe",
        "cmd_language": "Sprache wählen",
        "cmd_privacy": "Datenschutz",
        "cmd_delete": "Meine Kontaktdaten löschen",
        "welcome": "👋 Hallo! Hier melden Sie Probleme in Ihrem Viertel – Müll, kaputte Laternen, "
        "unsichere Orte. Das dauert weniger als eine Minute.",
        "ask_group": "Worum geht es?",
        "ask_category": "{group}: Was genau?",
        "chosen_category": "Kategorie: {name} ✓",
        "emergency_notice": "🚨 Bei akuter Gefahr rufen Sie bitte sofort den Notruf {emergency} "
        "an. "
        "Dieser Bot ist kein Notruf und wird nicht rund um die Uhr gelesen."
        "\n\n{description}",
        "ask_location": "📍 Wo ist es? Tippen Sie auf „Standort senden“, wenn Sie vor Ort sind – "
        "oder schreiben Sie die Adresse (z. B. Musterstraße 1). Über 📎 → "
        "Standort können Sie auch einen Punkt auf der Karte wählen.",
        "ask_address_again": "Schreiben Sie die Adresse bitte genauer (Straße, Hausnummer) – "
        "oder senden Sie den Standort.",
        "address_too_short": "Das ist zu kurz für eine Adresse. Bitte Straße und Hausnummer – "
        "oder den Standort senden.",
        "address_placeholder": "Adresse, z. B. Musterstraße 1",
        "confirm_address": "Ich habe verstanden:\n📍 {place}\nStimmt das?",
        "address_confirmed": "📍 {place} ✓",
        "address_not_found": "Ich habe „{address}“ nicht gefunden. Bitte prüfen Sie die "
        "Schreibweise – oder senden Sie den Standort.",
        "address_refused": "⚠️ {message}\nBitte eine andere Adresse – oder den Standort senden.",
        "location_refused": "⚠️ {message}\nBitte senden Sie einen Ort in der Stadt – als Standort "
        "oder als Adresse.",
        "outside_city_generic": "Dieser Ort liegt außerhalb der Stadt.",
        "geocoder_down": "Die Adresssuche ist gerade nicht erreichbar. Bitte senden Sie den "
        "Standort über den Knopf unten (oder 📎 → Standort).",
        "place_taken": "📍 Ort übernommen.",
        "location_first": "📍 Ort übernommen. Jetzt noch: Worum geht es?",
        "location_already": "Den Ort habe ich schon. Ändern können Sie ihn in der Zusammenfassung "
        "(„Ändern“).",
        "nearby_found": "Ganz in der Nähe wurde schon etwas gemeldet:\n{items}\n\nIst das Ihr "
        "Problem? Dann tippen Sie „Das ist mein Problem auch“ – Sie bekommen "
        "dann die Neuigkeiten dazu, und die Stadt sieht, dass es mehrere stört.",
        "metres": "{m} m",
        "btn_me_too": "👍 Das ist mein Problem auch ({id})",
        "btn_new_problem": "➕ Nein, etwas anderes melden",
        "me_too_done": "👍 Danke! Sie unterstützen jetzt {id} ({n} Personen). Sie bekommen hier "
        "eine Nachricht, wenn sich etwas tut.\nStand: {link}",
        "me_too_refused": "Das ging leider nicht: {message}\nSie können hier mit einer neuen "
        "Meldung weitermachen – oder mit /abbrechen aufhören.",
        "ask_single": "{question}",
        "ask_multi": "{question}\nTippen Sie alles an, was passt, dann „Fertig“.",
        "ask_text": "{question}{hint}\nBitte schreiben Sie es mir.",
        "ask_text_optional": "{question}{hint}\nSchreiben Sie es mir – oder „Überspringen“.",
        "choose_at_least_one": "Bitte wählen Sie mindestens eins aus.",
        "need_number": "Bitte eine Zahl, z. B. 3.",
        "need_datetime": "Bitte Datum und Uhrzeit wie 01.05.2026 20:30.",
        "too_long": "Das ist zu lang (höchstens {max} Zeichen). Bitte kürzer.",
        "skipped": "übersprungen",
        "ask_photo": "📷 Haben Sie ein Foto? Schicken Sie bis zu {max} Fotos – oder machen Sie "
        "ohne weiter.",
        "photo_more": "📷 {n} Foto(s) da. Noch eins schicken (höchstens {max}) – oder weiter.",
        "photo_first": "📷 Foto gespeichert. Jetzt noch: Worum geht es?",
        "photo_added": "📷 Foto hinzugefügt ({n}).",
        "photo_limit": "Es gehen höchstens {max} Fotos pro Meldung.",
        "photo_too_big_telegram": "Diese Datei ist zu groß: Telegram gibt Bots nur Dateien bis "
        "20 MB. Bitte schicken Sie sie als normales Foto (nicht als "
        "Datei) – dann wird sie kleiner.",
        "photo_too_big": "Dieses Foto ist zu groß (höchstens {mb} MB). Bitte als normales Foto "
        "schicken, nicht als Datei.",
        "photo_gone": "Ein Foto konnte ich bei Telegram nicht mehr abrufen. Bitte schicken Sie "
        "es noch einmal – oder machen Sie ohne weiter.",
        "photos_refused_size": "Die Fotos sind zu groß für das System der Stadt. {message}\n"
        "Bitte schicken Sie ein kleineres Foto – oder machen Sie ohne "
        "weiter.",
        "not_an_image": "Das ist kein Bild. Bitte schicken Sie ein Foto.",
        "ask_description": "✍️ Möchten Sie kurz beschreiben, was los ist? (freiwillig)",
        "summary_title": "📋 Ihre Meldung",
        "summary_category": "Kategorie: {name}",
        "summary_place": "Ort: {place}",
        "summary_photos": "Fotos: {n}",
        "summary_description": "Beschreibung: {text}",
        "summary_updates_yes": "🔔 Nachrichten zum Stand hier im Chat: ja",
        "summary_updates_no": "🔕 Nachrichten zum Stand hier im Chat: nein",
        "summary_question": "Alles richtig?",
        "btn_send": "✅ Senden",
        "btn_change": "✏️ Ändern",
        "btn_cancel_inline": "❌ Abbrechen",
        "btn_updates_off": "🔕 Keine Nachrichten zum Stand",
        "btn_updates_on": "🔔 Doch Nachrichten zum Stand",
        "updates_on": "Sie bekommen Nachrichten zum Stand.",
        "updates_off": "Keine Nachrichten zum Stand.",
        "ask_change": "Was möchten Sie ändern?",
        "chg_category": "Kategorie",
        "chg_place": "Ort",
        "chg_answers": "Angaben",
        "chg_photos": "Fotos",
        "chg_description": "Beschreibung",
        "sending": "Wird gesendet …",
        "sent": "✅ Danke! Ihre Meldung ist angekommen.\nVorgangsnummer: {id}\nStand: {link}",
        "sent_notice": "ℹ️ {notice}",
        "sent_updates": "🔔 Sie bekommen hier eine Nachricht, wenn sich etwas tut. /meine zeigt "
        "alle Ihre Meldungen.",
        "sent_no_updates": "Den Stand sehen Sie jederzeit mit /status {id}.",
        "send_unconfirmed": "⏳ Die Stadt hat noch nicht bestätigt, dass Ihre Meldung angekommen "
        "ist. Bitte versuchen Sie es gleich noch einmal – doppelt angelegt wird sie "
        "dabei nicht.",
        "sent_before_change": "✅ Ihre Meldung war schon angekommen, bevor Sie sie geändert "
        "haben – so, wie Sie sie zuerst gesendet hatten. /meine zeigt sie. "
        "Fehlt etwas, schreiben Sie gern eine neue Meldung mit /start.",
        "refused": "Das konnte die Stadt so nicht annehmen:\n{messages}",
        "refused_generic": "Die Angaben passen so nicht.",
        "backend_down": "⏳ Der Server der Stadt ist gerade nicht erreichbar. Ihre Angaben sind "
        "gespeichert – bitte versuchen Sie es gleich noch einmal.",
        "telegram_down": "⏳ Telegram gibt mir die Fotos gerade nicht. Ihre Meldung ist "
        "gespeichert – bitte gleich noch einmal versuchen.",
        "technical_problem": "Da stimmt technisch etwas nicht. Ihre Angaben sind gespeichert; "
        "bitte versuchen Sie es später noch einmal.",
        "btn_retry": "🔄 Nochmal versuchen",
        "btn_back": "⬅️ Zurück",
        "btn_done": "✅ Fertig",
        "btn_skip": "⏭ Überspringen",
        "btn_no_photo": "⏭ Ohne Foto weiter",
        "btn_photos_done": "✅ Weiter",
        "btn_share_location": "📍 Standort senden",
        "btn_cancel": "❌ Abbrechen",
        "btn_yes_right": "✅ Ja, stimmt",
        "btn_no_again": "✏️ Nein, neu eingeben",
        "btn_resume": "▶️ Weitermachen",
        "btn_start_new": "🆕 Neu anfangen",
        "btn_report_now": "📝 Jetzt etwas melden",
        "resume_question": "Sie haben noch eine angefangene Meldung. Weitermachen oder neu "
        "anfangen?",
        "cancelled": "Abgebrochen – nichts wurde gesendet. Mit /start können Sie jederzeit neu "
        "melden.",
        "nothing_to_cancel": "Es läuft gerade nichts. Mit /start melden Sie ein Problem.",
        "stale_button": "Dieser Knopf ist nicht mehr aktiv – bitte die neueste Nachricht nutzen.",
        "hint_category": "Bitte wählen Sie oben eine Kategorie per Knopf.",
        "hint_buttons": "Bitte tippen Sie auf einen der Knöpfe.",
        "hint_photos": "Bitte schicken Sie ein Foto – oder tippen Sie „Ohne Foto weiter“.",
        "hint_summary": "Bitte tippen Sie „Senden“, „Ändern“ oder „Abbrechen“.",
        "no_draft_text": "Möchten Sie ein Problem melden? Tippen Sie auf den Knopf oder /start. "
        "/hilfe zeigt alles, was ich kann.",
        "other_no_draft": "Damit kann ich leider nichts anfangen. Mit /start melden Sie ein "
        "Problem, /hilfe zeigt alles, was ich kann.",
        "other_in_draft": "Damit kann ich hier nichts anfangen.",
        "edited": "Geänderte Nachrichten kann ich nicht übernehmen – bitte schicken Sie es neu.",
        "unknown_command": "Diesen Befehl kenne ich nicht. /hilfe zeigt alle Befehle.",
        "private_only": "Bitte schreiben Sie mir direkt (privat) – in Gruppen nehme ich keine "
        "Meldungen an.",
        "flood": "Das waren sehr viele Nachrichten auf einmal. Bitte warten Sie einen Moment.",
        "error": "Da ist etwas schiefgegangen. Ihre Angaben sind gespeichert – bitte versuchen "
        "Sie es noch einmal.",
        "help": "So geht's: /start – dann Kategorie, Ort, ggf. ein paar Fragen, Foto, "
        "Beschreibung; zum Schluss „Senden“.\n\n"
        "/start – neue Meldung\n/status Vorgangsnummer – Stand einer Meldung\n"
        "/meine – Ihre Meldungen (auch „Nicht behoben?“)\n/abbrechen – aktuelle Meldung "
        "verwerfen\n/sprache – Sprache wählen\n/datenschutz – was gespeichert wird\n"
        "/loeschen – Ihre Kontaktdaten löschen\n\nBei akuter Gefahr: Notruf {emergency}.",
        "privacy": "🔒 Datenschutz\n\n"
        "Ihre Meldung (Kategorie, Ort, Antworten, Fotos, Beschreibung) geht an die "
        "Stadtverwaltung und wird dort bearbeitet. Öffentlich sichtbar sind nur "
        "Kategorie, Stand und ein ungefährer Ort – nie Ihr Name oder Ihre Chat-ID.\n\n"
        "Nur wenn Sie Nachrichten zum Stand möchten (Standard „ja“, in der "
        "Zusammenfassung abschaltbar), speichert die Stadt Ihre Telegram-Chat-ID und "
        "Sprache: damit kommen die Nachrichten hier an, und /meine und „Nicht "
        "behoben?“ funktionieren. Ohne das hat die Meldung keinen Bezug zu Ihnen.\n\n"
        "Der Bot merkt sich eine angefangene Meldung, bis Sie sie senden oder "
        "abbrechen; Fotos nur als Telegram-Verweis, nicht als Datei.\n\n"
        "/loeschen entfernt Ihre Chat-ID bei allen Meldungen; die Meldungen selbst "
        "bleiben anonym bestehen. Telegram speichert Chats nach eigenen Regeln.",
        "delete_question": "Soll ich Ihre Kontaktdaten (Telegram-Chat-ID) bei allen Ihren "
        "Meldungen löschen? Die Meldungen bleiben anonym bestehen; "
        "Nachrichten zum Stand bekommen Sie dann nicht mehr.",
        "btn_delete_yes": "🗑 Ja, löschen",
        "btn_delete_no": "Nein, behalten",
        "delete_kept": "Gut, nichts wurde gelöscht.",
        "deleted": "🗑 Erledigt: {n} Einträge mit Ihrer Chat-ID wurden gelöscht. Auch der Bot hat "
        "alles über Sie vergessen.",
        "ask_language": "Welche Sprache?",
        "language_set": "Sprache: {name} ✓",
        "status_usage": "Bitte mit Vorgangsnummer (steht in der Bestätigung): /status "
        "Vorgangsnummer. Ihre Meldungen: /meine",
        "status_bad_reference": "„{id}“ ist keine Vorgangsnummer (sie steht in der "
        "Bestätigung Ihrer Meldung).",
        "status_not_found": "Eine Meldung {id} gibt es nicht.",
        "status_line": "Stand: {status}",
        "status_note": "Hinweis der Stadt: „{note}“",
        "btn_not_fixed": "🔁 Nicht behoben? ({id})",
        "mine_title": "📂 Ihre Meldungen:",
        "mine_empty": "Sie haben noch nichts gemeldet (oder Ihre Daten wurden gelöscht). "
        "Mit /start geht's los.",
        "mine_hint": "Details: /status <Vorgangsnummer>",
        "reopen_ask": "Was ist bei {id} noch nicht in Ordnung? Schreiben Sie es kurz – oder "
        "/abbrechen.",
        "reopened": "🔁 Danke! {id} ist wieder geöffnet und geht zurück in die Bearbeitung.\n"
        "Stand: {link}",
    },
    "en": {
        "cmd_start": "New report",
        "cmd_status": "Status of a report (/status DO-…)",
        "cmd_mine": "My reports",
        "cmd_cancel": "Cancel",
        "cmd_help": "Help",
        "cmd_language": "Choose language",
        "cmd_privacy": "Privacy",
        "cmd_delete": "Delete my contact data",
        "welcome": "👋 Hello! Report problems in your neighbourhood here – litter, broken street "
        "lights, unsafe places. It takes less than a minute.",
        "ask_group": "What is it about?",
        "ask_category": "{group}: what exactly?",
        "chosen_category": "Category: {name} ✓",
        "emergency_notice": "🚨 If you are in danger right now, call the emergency number "
        "{emergency}. This bot "
        "is not an emergency service and is not read around the clock."
        "\n\n{description}",
        "ask_location": "📍 Where is it? Tap “Send location” if you are there – or type the "
        "address (e.g. Musterstraße 1). With 📎 → Location you can also pick a "
        "point on the map.",
        "ask_address_again": "Please type the address more precisely (street, number) – or send "
        "the location.",
        "address_too_short": "That is too short for an address. Please give street and number – "
        "or send the location.",
        "address_placeholder": "Address, e.g. Musterstraße 1",
        "confirm_address": "I understood:\n📍 {place}\nIs that right?",
        "address_confirmed": "📍 {place} ✓",
        "address_not_found": "I could not find “{address}”. Please check the spelling – or send "
        "the location.",
        "address_refused": "⚠️ {message}\nPlease try another address – or send the location.",
        "location_refused": "⚠️ {message}\nPlease send a place in the city – as a location or "
        "an address.",
        "outside_city_generic": "This place is outside the city.",
        "geocoder_down": "The address search is not available right now. Please send the "
        "location with the button below (or 📎 → Location).",
        "place_taken": "📍 Got the place.",
        "location_first": "📍 Got the place. Now: what is it about?",
        "location_already": "I already have the place. You can change it in the summary "
        "(“Change”).",
        "nearby_found": "Something was already reported close by:\n{items}\n\nIs it your "
        "problem? Tap “Me too” – you will get its updates, and the city sees "
        "that it bothers several people.",
        "metres": "{m} m",
        "btn_me_too": "👍 Me too ({id})",
        "btn_new_problem": "➕ No, report something else",
        "me_too_done": "👍 Thank you! You now support {id} ({n} people). You will get a message "
        "here when something happens.\nStatus: {link}",
        "me_too_refused": "That did not work: {message}\nYou can go on with a new report here – "
        "or stop with /cancel.",
        "ask_single": "{question}",
        "ask_multi": "{question}\nTap everything that applies, then “Done”.",
        "ask_text": "{question}{hint}\nPlease type it.",
        "ask_text_optional": "{question}{hint}\nType it – or tap “Skip”.",
        "choose_at_least_one": "Please choose at least one.",
        "need_number": "Please type a number, e.g. 3.",
        "need_datetime": "Please give date and time like 01.05.2026 20:30.",
        "too_long": "That is too long (at most {max} characters). Please shorten it.",
        "skipped": "skipped",
        "ask_photo": "📷 Do you have a photo? Send up to {max} photos – or continue without.",
        "photo_more": "📷 {n} photo(s) received. Send another (at most {max}) – or continue.",
        "photo_first": "📷 Photo saved. Now: what is it about?",
        "photo_added": "📷 Photo added ({n}).",
        "photo_limit": "At most {max} photos per report.",
        "photo_too_big_telegram": "This file is too large: Telegram only gives bots files up to "
        "20 MB. Please send it as a normal photo (not as a file) – "
        "then it gets smaller.",
        "photo_too_big": "This photo is too large (at most {mb} MB). Please send it as a normal "
        "photo, not as a file.",
        "photo_gone": "I could not fetch a photo from Telegram any more. Please send it again – "
        "or continue without.",
        "photos_refused_size": "The photos are too large for the city's system. {message}\n"
        "Please send a smaller photo – or continue without.",
        "not_an_image": "That is not an image. Please send a photo.",
        "ask_description": "✍️ Would you like to describe briefly what is wrong? (optional)",
        "summary_title": "📋 Your report",
        "summary_category": "Category: {name}",
        "summary_place": "Place: {place}",
        "summary_photos": "Photos: {n}",
        "summary_description": "Description: {text}",
        "summary_updates_yes": "🔔 Status messages in this chat: yes",
        "summary_updates_no": "🔕 Status messages in this chat: no",
        "summary_question": "Is everything right?",
        "btn_send": "✅ Send",
        "btn_change": "✏️ Change",
        "btn_cancel_inline": "❌ Cancel",
        "btn_updates_off": "🔕 No status messages",
        "btn_updates_on": "🔔 Status messages after all",
        "updates_on": "You will get status messages.",
        "updates_off": "No status messages.",
        "ask_change": "What would you like to change?",
        "chg_category": "Category",
        "chg_place": "Place",
        "chg_answers": "Answers",
        "chg_photos": "Photos",
        "chg_description": "Description",
        "sending": "Sending …",
        "sent": "✅ Thank you! Your report has arrived.\nReference: {id}\nStatus: {link}",
        "sent_notice": "ℹ️ {notice}",
        "sent_updates": "🔔 You will get a message here when something happens. /mine lists "
        "all your reports.",
        "sent_no_updates": "You can check the status any time with /status {id}.",
        "send_unconfirmed": "⏳ The city has not confirmed yet that your report arrived. Please "
        "try again in a moment – it will not be filed twice.",
        "sent_before_change": "✅ Your report had arrived already, before you changed it – as "
        "you first sent it. /mine shows it. If something is missing, just send a "
        "new report with /start.",
        "refused": "The city could not accept it like this:\n{messages}",
        "refused_generic": "Something in the report does not fit.",
        "backend_down": "⏳ The city's server cannot be reached right now. Your report is saved – "
        "please try again in a moment.",
        "telegram_down": "⏳ Telegram is not giving me the photos right now. Your report is "
        "saved – please try again in a moment.",
        "technical_problem": "Something is wrong on the technical side. Your report is saved; "
        "please try again later.",
        "btn_retry": "🔄 Try again",
        "btn_back": "⬅️ Back",
        "btn_done": "✅ Done",
        "btn_skip": "⏭ Skip",
        "btn_no_photo": "⏭ Continue without photo",
        "btn_photos_done": "✅ Continue",
        "btn_share_location": "📍 Send location",
        "btn_cancel": "❌ Cancel",
        "btn_yes_right": "✅ Yes, that's right",
        "btn_no_again": "✏️ No, type again",
        "btn_resume": "▶️ Continue",
        "btn_start_new": "🆕 Start again",
        "btn_report_now": "📝 Report something",
        "resume_question": "You have a report in progress. Continue or start again?",
        "cancelled": "Cancelled – nothing was sent. /start begins a new report any time.",
        "nothing_to_cancel": "Nothing is in progress. /start reports a problem.",
        "stale_button": "This button is no longer active – please use the latest message.",
        "hint_category": "Please choose a category with the buttons above.",
        "hint_buttons": "Please tap one of the buttons.",
        "hint_photos": "Please send a photo – or tap “Continue without photo”.",
        "hint_summary": "Please tap “Send”, “Change” or “Cancel”.",
        "no_draft_text": "Would you like to report a problem? Tap the button or /start. /help "
        "shows everything I can do.",
        "other_no_draft": "Sorry, I cannot use that. /start reports a problem, /help shows "
        "everything I can do.",
        "other_in_draft": "Sorry, I cannot use that here.",
        "edited": "I cannot take over edited messages – please send it again.",
        "unknown_command": "I don't know this command. /help lists all commands.",
        "private_only": "Please write to me directly (privately) – I don't take reports in groups.",
        "flood": "That was a lot of messages at once. Please wait a moment.",
        "error": "Something went wrong. Your report is saved – please try again.",
        "help": "How it works: /start – then category, place, maybe a few questions, photo, "
        "description; finally “Send”.\n\n"
        "/start – new report\n/status reference – status of a report\n"
        "/mine – your reports (also “Not fixed?”)\n/cancel – drop the current report\n"
        "/language – choose language\n/privacy – what is stored\n"
        "/delete – delete your contact data\n\nIn an emergency call {emergency}.",
        "privacy": "🔒 Privacy\n\n"
        "Your report (category, place, answers, photos, description) goes to the city "
        "administration, which handles it. Only the category, status and an "
        "approximate place are public – never your name or chat id.\n\n"
        "Only if you want status messages (default “yes”, can be switched off in the "
        "summary) does the city store your Telegram chat id and language: so the "
        "messages reach you here, and /mine and “Not fixed?” work. Without that the "
        "report has no link to you.\n\n"
        "The bot remembers a report in progress until you send or cancel it; photos "
        "only as a Telegram reference, not as a file.\n\n"
        "/delete removes your chat id from all reports; the reports stay, "
        "anonymously. Telegram keeps chats under its own rules.",
        "delete_question": "Shall I delete your contact data (Telegram chat id) from all your "
        "reports? The reports stay, anonymously; you will no longer get "
        "status messages.",
        "btn_delete_yes": "🗑 Yes, delete",
        "btn_delete_no": "No, keep",
        "delete_kept": "Fine, nothing was deleted.",
        "deleted": "🗑 Done: {n} entries with your chat id were deleted. The bot has forgotten "
        "everything about you too.",
        "ask_language": "Which language?",
        "language_set": "Language: {name} ✓",
        "status_usage": "Please add the reference from your confirmation: /status reference. Your "
        "reports: /mine",
        "status_bad_reference": "“{id}” is not a reference (you find it in the "
        "confirmation of your report).",
        "status_not_found": "There is no report {id}.",
        "status_line": "Status: {status}",
        "status_note": "Note from the city: “{note}”",
        "btn_not_fixed": "🔁 Not fixed? ({id})",
        "mine_title": "📂 Your reports:",
        "mine_empty": "You have not reported anything yet (or your data was deleted). /start "
        "begins.",
        "mine_hint": "Details: /status <reference>",
        "reopen_ask": "What is still wrong with {id}? Please write briefly – or /cancel.",
        "reopened": "🔁 Thank you! {id} is open again and goes back to work.\nStatus: {link}",
    },
    "tr": {
        "cmd_start": "Yeni bildirim",
        "cmd_status": "Bildirim durumu (/status DO-…)",
        "cmd_mine": "Bildirimlerim",
        "cmd_cancel": "İptal",
        "cmd_help": "Yardım",
        "cmd_language": "Dil seç",
        "cmd_privacy": "Gizlilik",
        "cmd_delete": "İletişim verilerimi sil",
        "welcome": "👋 Merhaba! Mahallenizdeki sorunları buradan bildirin – çöp, bozuk sokak "
        "lambaları, güvensiz yerler. Bir dakikadan kısa sürer.",
        "ask_group": "Konu nedir?",
        "ask_category": "{group}: tam olarak ne?",
        "chosen_category": "Kategori: {name} ✓",
        "emergency_notice": "🚨 Şu anda tehlikedeyseniz hemen {emergency} acil numarasını arayın. "
        "Bu bot acil "
        "yardım hattı değildir.\n\n{description}",
        "ask_location": "📍 Nerede? Oradaysanız “Konum gönder”e dokunun – ya da adresi yazın "
        "(ör. Musterstraße 1). 📎 → Konum ile haritadan da seçebilirsiniz.",
        "ask_address_again": "Lütfen adresi daha açık yazın (sokak, numara) – ya da konumu "
        "gönderin.",
        "address_too_short": "Bu bir adres için çok kısa. Lütfen sokak ve numara – ya da konum.",
        "address_placeholder": "Adres, ör. Musterstraße 1",
        "confirm_address": "Anladığım:\n📍 {place}\nDoğru mu?",
        "address_confirmed": "📍 {place} ✓",
        "address_not_found": "“{address}” bulunamadı. Yazımı kontrol edin – ya da konumu gönderin.",
        "address_refused": "⚠️ {message}\nLütfen başka bir adres – ya da konumu gönderin.",
        "location_refused": "⚠️ {message}\nLütfen şehir içinde bir yer gönderin – konum ya da "
        "adres olarak.",
        "outside_city_generic": "Bu yer şehir sınırlarının dışında.",
        "geocoder_down": "Adres arama şu anda çalışmıyor. Lütfen aşağıdaki düğmeyle konumu "
        "gönderin.",
        "place_taken": "📍 Konum alındı.",
        "location_first": "📍 Konum alındı. Şimdi: konu nedir?",
        "location_already": "Konum zaten var. Özette “Değiştir” ile değiştirebilirsiniz.",
        "nearby_found": "Yakında zaten bir bildirim var:\n{items}\n\nSizin sorununuz da bu mu? "
        "“Benim de sorunum” deyin – gelişmelerden haberdar olursunuz.",
        "metres": "{m} m",
        "btn_me_too": "👍 Benim de sorunum ({id})",
        "btn_new_problem": "➕ Hayır, başka bir şey bildir",
        "me_too_done": "👍 Teşekkürler! Artık {id} bildirimini destekliyorsunuz ({n} kişi). Bir "
        "gelişme olunca burada mesaj alacaksınız.\nDurum: {link}",
        "me_too_refused": "Olmadı: {message}\nBurada yeni bir bildirimle devam edebilir – ya da "
        "/cancel ile durdurabilirsiniz.",
        "ask_single": "{question}",
        "ask_multi": "{question}\nUygun olanların hepsine dokunun, sonra “Tamam”.",
        "ask_text": "{question}{hint}\nLütfen yazın.",
        "ask_text_optional": "{question}{hint}\nYazın – ya da “Atla”.",
        "choose_at_least_one": "Lütfen en az birini seçin.",
        "need_number": "Lütfen bir sayı yazın, ör. 3.",
        "need_datetime": "Lütfen tarih ve saat, ör. 01.05.2026 20:30.",
        "too_long": "Çok uzun (en fazla {max} karakter).",
        "skipped": "atlandı",
        "ask_photo": "📷 Fotoğrafınız var mı? En fazla {max} fotoğraf gönderin – ya da "
        "fotoğrafsız devam edin.",
        "photo_more": "📷 {n} fotoğraf alındı. Bir tane daha (en fazla {max}) – ya da devam.",
        "photo_first": "📷 Fotoğraf kaydedildi. Şimdi: konu nedir?",
        "photo_added": "📷 Fotoğraf eklendi ({n}).",
        "photo_limit": "Bir bildirimde en fazla {max} fotoğraf olabilir.",
        "photo_too_big_telegram": "Dosya çok büyük: Telegram botlara en fazla 20 MB verir. "
        "Lütfen dosya olarak değil, normal fotoğraf olarak gönderin.",
        "photo_too_big": "Fotoğraf çok büyük (en fazla {mb} MB). Lütfen normal fotoğraf olarak "
        "gönderin.",
        "photo_gone": "Bir fotoğrafı Telegram'dan alamadım. Lütfen tekrar gönderin – ya da "
        "fotoğrafsız devam edin.",
        "photos_refused_size": "Fotoğraflar şehrin sistemi için çok büyük. {message}\nLütfen "
        "daha küçük bir fotoğraf gönderin – ya da fotoğrafsız devam edin.",
        "not_an_image": "Bu bir resim değil. Lütfen fotoğraf gönderin.",
        "ask_description": "✍️ Sorunu kısaca anlatmak ister misiniz? (isteğe bağlı)",
        "summary_title": "📋 Bildiriminiz",
        "summary_category": "Kategori: {name}",
        "summary_place": "Yer: {place}",
        "summary_photos": "Fotoğraflar: {n}",
        "summary_description": "Açıklama: {text}",
        "summary_updates_yes": "🔔 Bu sohbette durum mesajları: evet",
        "summary_updates_no": "🔕 Bu sohbette durum mesajları: hayır",
        "summary_question": "Her şey doğru mu?",
        "btn_send": "✅ Gönder",
        "btn_change": "✏️ Değiştir",
        "btn_cancel_inline": "❌ İptal",
        "btn_updates_off": "🔕 Durum mesajı istemiyorum",
        "btn_updates_on": "🔔 Durum mesajı istiyorum",
        "updates_on": "Durum mesajları alacaksınız.",
        "updates_off": "Durum mesajı yok.",
        "ask_change": "Neyi değiştirmek istersiniz?",
        "chg_category": "Kategori",
        "chg_place": "Yer",
        "chg_answers": "Yanıtlar",
        "chg_photos": "Fotoğraflar",
        "chg_description": "Açıklama",
        "sending": "Gönderiliyor …",
        "sent": "✅ Teşekkürler! Bildiriminiz ulaştı.\nDosya numarası: {id}\nDurum: {link}",
        "sent_notice": "ℹ️ {notice}",
        "sent_updates": "🔔 Bir gelişme olunca burada mesaj alacaksınız. /mine tüm "
        "bildirimlerinizi gösterir.",
        "sent_no_updates": "Durumu her zaman /status {id} ile görebilirsiniz.",
        "send_unconfirmed": "⏳ Şehir bildiriminizin ulaştığını henüz onaylamadı. Lütfen birazdan "
        "tekrar deneyin – bildirim iki kez kaydedilmez.",
        "sent_before_change": "✅ Bildiriminiz siz değiştirmeden önce, ilk gönderdiğiniz haliyle "
        "ulaşmıştı. /mine ile görebilirsiniz. Eksik bir şey varsa /start ile yeni "
        "bir bildirim gönderin.",
        "refused": "Şehir bunu bu haliyle kabul edemedi:\n{messages}",
        "refused_generic": "Bildirimdeki bir bilgi uygun değil.",
        "backend_down": "⏳ Şehrin sunucusuna şu anda ulaşılamıyor. Bilgileriniz kaydedildi – "
        "lütfen birazdan tekrar deneyin.",
        "telegram_down": "⏳ Telegram fotoğrafları şu anda vermiyor. Bildiriminiz kaydedildi – "
        "lütfen birazdan tekrar deneyin.",
        "technical_problem": "Teknik bir sorun var. Bilgileriniz kaydedildi; lütfen daha sonra "
        "tekrar deneyin.",
        "btn_retry": "🔄 Tekrar dene",
        "btn_back": "⬅️ Geri",
        "btn_done": "✅ Tamam",
        "btn_skip": "⏭ Atla",
        "btn_no_photo": "⏭ Fotoğrafsız devam",
        "btn_photos_done": "✅ Devam",
        "btn_share_location": "📍 Konum gönder",
        "btn_cancel": "❌ İptal",
        "btn_yes_right": "✅ Evet, doğru",
        "btn_no_again": "✏️ Hayır, yeniden yaz",
        "btn_resume": "▶️ Devam et",
        "btn_start_new": "🆕 Yeniden başla",
        "btn_report_now": "📝 Şimdi bildir",
        "resume_question": "Yarım kalmış bir bildiriminiz var. Devam mı, yeniden mi?",
        "cancelled": "İptal edildi – hiçbir şey gönderilmedi. /start ile yeniden "
        "başlayabilirsiniz.",
        "nothing_to_cancel": "Şu anda devam eden bir şey yok. /start ile bildirin.",
        "stale_button": "Bu düğme artık geçerli değil – lütfen en son mesajı kullanın.",
        "hint_category": "Lütfen yukarıdaki düğmelerle bir kategori seçin.",
        "hint_buttons": "Lütfen düğmelerden birine dokunun.",
        "hint_photos": "Lütfen fotoğraf gönderin – ya da “Fotoğrafsız devam”a dokunun.",
        "hint_summary": "Lütfen “Gönder”, “Değiştir” ya da “İptal”e dokunun.",
        "no_draft_text": "Bir sorun bildirmek ister misiniz? Düğmeye ya da /start'a dokunun. "
        "/help neler yapabildiğimi gösterir.",
        "other_no_draft": "Bunu kullanamıyorum. /start ile sorun bildirin, /help yardım.",
        "other_in_draft": "Bunu burada kullanamıyorum.",
        "edited": "Düzenlenen mesajları alamıyorum – lütfen yeniden gönderin.",
        "unknown_command": "Bu komutu bilmiyorum. /help tüm komutları gösterir.",
        "private_only": "Lütfen bana doğrudan (özel) yazın – gruplarda bildirim almıyorum.",
        "flood": "Aynı anda çok fazla mesaj geldi. Lütfen biraz bekleyin.",
        "error": "Bir şeyler ters gitti. Bilgileriniz kaydedildi – lütfen tekrar deneyin.",
        "help": "Nasıl çalışır: /start – kategori, yer, belki birkaç soru, fotoğraf, açıklama; "
        "en sonunda “Gönder”.\n\n/start – yeni bildirim\n/status dosya-numarası – durum\n"
        "/mine – bildirimleriniz\n/cancel – iptal\n/language – dil\n/privacy – gizlilik\n"
        "/delete – iletişim verilerinizi silin\n\nAcil durumda {emergency} numarasını arayın.",
        "privacy": "🔒 Gizlilik\n\nBildiriminiz (kategori, yer, yanıtlar, fotoğraflar, açıklama) "
        "belediyeye gider. Herkese açık olan yalnızca kategori, durum ve yaklaşık "
        "yerdir – adınız ya da sohbet kimliğiniz asla.\n\nYalnızca durum mesajı "
        "isterseniz (varsayılan “evet”) belediye Telegram sohbet kimliğinizi ve "
        "dilinizi saklar: mesajlar size ulaşır, /mine ve “Çözülmedi mi?” çalışır. "
        "Aksi halde bildirimin sizinle bağlantısı yoktur.\n\nBot yarım kalan "
        "bildirimi, gönderene ya da iptal edene kadar hatırlar; fotoğrafları yalnızca "
        "Telegram referansı olarak.\n\n/delete sohbet kimliğinizi tüm bildirimlerden "
        "siler; bildirimler anonim olarak kalır.",
        "delete_question": "İletişim verileriniz (Telegram sohbet kimliği) tüm bildirimlerinizden "
        "silinsin mi? Bildirimler anonim olarak kalır; durum mesajı "
        "almazsınız.",
        "btn_delete_yes": "🗑 Evet, sil",
        "btn_delete_no": "Hayır, kalsın",
        "delete_kept": "Tamam, hiçbir şey silinmedi.",
        "deleted": "🗑 Tamam: sohbet kimliğinizle {n} kayıt silindi. Bot da sizinle ilgili her "
        "şeyi unuttu.",
        "ask_language": "Hangi dil?",
        "language_set": "Dil: {name} ✓",
        "status_usage": "Lütfen dosya numarasıyla: /status dosya-numarası. Bildirimleriniz: /mine",
        "status_bad_reference": "“{id}” bir dosya numarası değil (numara, bildiriminizin "
        "onayında yazıyor).",
        "status_not_found": "{id} numaralı bir bildirim yok.",
        "status_line": "Durum: {status}",
        "status_note": "Belediyenin notu: “{note}”",
        "btn_not_fixed": "🔁 Çözülmedi mi? ({id})",
        "mine_title": "📂 Bildirimleriniz:",
        "mine_empty": "Henüz bir şey bildirmediniz (ya da verileriniz silindi). /start ile "
        "başlayın.",
        "mine_hint": "Ayrıntılar: /status <dosya numarası>",
        "reopen_ask": "{id} ile ilgili hâlâ sorun olan ne? Kısaca yazın – ya da /cancel.",
        "reopened": "🔁 Teşekkürler! {id} yeniden açıldı ve tekrar işleme alınıyor.\nDurum: {link}",
    },
    "ar": {
        "cmd_start": "بلاغ جديد",
        "cmd_status": "حالة بلاغ (/status DO-…)",
        "cmd_mine": "بلاغاتي",
        "cmd_cancel": "إلغاء",
        "cmd_help": "مساعدة",
        "cmd_language": "اختيار اللغة",
        "cmd_privacy": "الخصوصية",
        "cmd_delete": "حذف بيانات الاتصال الخاصة بي",
        "welcome": "👋 مرحبًا! أبلغ هنا عن مشاكل حيّك – النفايات، أعمدة الإنارة المعطلة، الأماكن "
        "غير الآمنة. يستغرق ذلك أقل من دقيقة.",
        "ask_group": "ما الموضوع؟",
        "ask_category": "{group}: ما بالتحديد؟",
        "chosen_category": "الفئة: {name} ✓",
        "emergency_notice": "🚨 إذا كنت في خطر الآن فاتصل فورًا برقم الطوارئ {emergency}. "
        "هذا البوت ليس "
        "خدمة طوارئ.\n\n{description}",
        "ask_location": "📍 أين المكان؟ اضغط «إرسال الموقع» إذا كنت هناك – أو اكتب العنوان (مثل "
        "Musterstraße 1). يمكنك أيضًا اختيار نقطة على الخريطة عبر 📎 ← الموقع.",
        "ask_address_again": "اكتب العنوان بدقة أكبر (الشارع والرقم) – أو أرسل الموقع.",
        "address_too_short": "هذا قصير جدًا ليكون عنوانًا. اكتب الشارع والرقم – أو أرسل الموقع.",
        "address_placeholder": "العنوان، مثل Musterstraße 1",
        "confirm_address": "فهمت:\n📍 {place}\nهل هذا صحيح؟",
        "address_confirmed": "📍 {place} ✓",
        "address_not_found": "لم أجد «{address}». تحقق من الكتابة – أو أرسل الموقع.",
        "address_refused": "⚠️ {message}\nجرّب عنوانًا آخر – أو أرسل الموقع.",
        "location_refused": "⚠️ {message}\nأرسل مكانًا داخل المدينة – كموقع أو كعنوان.",
        "outside_city_generic": "هذا المكان خارج حدود المدينة.",
        "geocoder_down": "البحث عن العناوين غير متاح الآن. أرسل الموقع بالزر في الأسفل.",
        "place_taken": "📍 تم استلام المكان.",
        "location_first": "📍 تم استلام المكان. والآن: ما الموضوع؟",
        "location_already": "لدي المكان بالفعل. يمكنك تغييره في الملخص («تغيير»).",
        "nearby_found": "تم الإبلاغ عن شيء قريب بالفعل:\n{items}\n\nهل هذه مشكلتك؟ اضغط «مشكلتي "
        "أيضًا» – ستصلك أخبارها.",
        "metres": "{m} م",
        "btn_me_too": "👍 مشكلتي أيضًا ({id})",
        "btn_new_problem": "➕ لا، أبلغ عن شيء آخر",
        "me_too_done": "👍 شكرًا! أنت تدعم الآن {id} ({n} أشخاص). ستصلك رسالة هنا عند حدوث "
        "أي تغيير.\nالحالة: {link}",
        "me_too_refused": "لم ينجح ذلك: {message}\nيمكنك متابعة بلاغ جديد هنا – أو التوقف بـ "
        "/cancel.",
        "ask_single": "{question}",
        "ask_multi": "{question}\nاختر كل ما ينطبق، ثم «تم».",
        "ask_text": "{question}{hint}\nاكتبه من فضلك.",
        "ask_text_optional": "{question}{hint}\nاكتبه – أو «تخطٍّ».",
        "choose_at_least_one": "اختر واحدًا على الأقل.",
        "need_number": "اكتب رقمًا، مثل 3.",
        "need_datetime": "اكتب التاريخ والوقت مثل 01.05.2026 20:30.",
        "too_long": "النص طويل جدًا (بحد أقصى {max} حرفًا).",
        "skipped": "تم التخطي",
        "ask_photo": "📷 هل لديك صورة؟ أرسل حتى {max} صور – أو تابع بدونها.",
        "photo_more": "📷 وصلت {n} صورة. أرسل أخرى (بحد أقصى {max}) – أو تابع.",
        "photo_first": "📷 تم حفظ الصورة. والآن: ما الموضوع؟",
        "photo_added": "📷 تمت إضافة الصورة ({n}).",
        "photo_limit": "الحد الأقصى {max} صور لكل بلاغ.",
        "photo_too_big_telegram": "الملف كبير جدًا: تيليجرام يعطي البوتات ملفات حتى 20 ميغابايت "
        "فقط. أرسله كصورة عادية وليس كملف.",
        "photo_too_big": "الصورة كبيرة جدًا (بحد أقصى {mb} ميغابايت). أرسلها كصورة عادية.",
        "photo_gone": "لم أستطع جلب صورة من تيليجرام. أرسلها مرة أخرى – أو تابع بدونها.",
        "photos_refused_size": "الصور كبيرة جدًا لنظام المدينة. {message}\nأرسل صورة أصغر – أو "
        "تابع بدونها.",
        "not_an_image": "هذه ليست صورة. أرسل صورة من فضلك.",
        "ask_description": "✍️ هل تريد وصف المشكلة باختصار؟ (اختياري)",
        "summary_title": "📋 بلاغك",
        "summary_category": "الفئة: {name}",
        "summary_place": "المكان: {place}",
        "summary_photos": "الصور: {n}",
        "summary_description": "الوصف: {text}",
        "summary_updates_yes": "🔔 رسائل الحالة في هذه المحادثة: نعم",
        "summary_updates_no": "🔕 رسائل الحالة في هذه المحادثة: لا",
        "summary_question": "هل كل شيء صحيح؟",
        "btn_send": "✅ إرسال",
        "btn_change": "✏️ تغيير",
        "btn_cancel_inline": "❌ إلغاء",
        "btn_updates_off": "🔕 بدون رسائل الحالة",
        "btn_updates_on": "🔔 أريد رسائل الحالة",
        "updates_on": "ستصلك رسائل الحالة.",
        "updates_off": "لا رسائل حالة.",
        "ask_change": "ماذا تريد أن تغيّر؟",
        "chg_category": "الفئة",
        "chg_place": "المكان",
        "chg_answers": "الإجابات",
        "chg_photos": "الصور",
        "chg_description": "الوصف",
        "sending": "جارٍ الإرسال …",
        "sent": "✅ شكرًا! وصل بلاغك.\nرقم البلاغ: {id}\nالحالة: {link}",
        "sent_notice": "ℹ️ {notice}",
        "sent_updates": "🔔 ستصلك رسالة هنا عند حدوث أي تغيير. /mine يعرض كل بلاغاتك.",
        "sent_no_updates": "يمكنك معرفة الحالة في أي وقت عبر /status {id}.",
        "send_unconfirmed": "⏳ لم تؤكد المدينة بعد وصول بلاغك. حاول مرة أخرى بعد قليل – لن "
        "يُسجَّل البلاغ مرتين.",
        "sent_before_change": "✅ كان بلاغك قد وصل قبل أن تغيّره – كما أرسلته أول مرة. يعرضه "
        "/mine. إن نقص شيء، أرسل بلاغًا جديدًا عبر /start.",
        "refused": "لم تستطع المدينة قبول البلاغ بهذا الشكل:\n{messages}",
        "refused_generic": "هناك معلومة غير مناسبة في البلاغ.",
        "backend_down": "⏳ لا يمكن الوصول إلى خادم المدينة الآن. تم حفظ بياناتك – حاول مرة أخرى "
        "بعد قليل.",
        "telegram_down": "⏳ تيليجرام لا يعطيني الصور الآن. تم حفظ بلاغك – حاول بعد قليل.",
        "technical_problem": "هناك مشكلة تقنية. تم حفظ بياناتك؛ حاول لاحقًا.",
        "btn_retry": "🔄 حاول مرة أخرى",
        "btn_back": "⬅️ رجوع",
        "btn_done": "✅ تم",
        "btn_skip": "⏭ تخطٍّ",
        "btn_no_photo": "⏭ متابعة بدون صورة",
        "btn_photos_done": "✅ متابعة",
        "btn_share_location": "📍 إرسال الموقع",
        "btn_cancel": "❌ إلغاء",
        "btn_yes_right": "✅ نعم، صحيح",
        "btn_no_again": "✏️ لا، أكتب مرة أخرى",
        "btn_resume": "▶️ متابعة",
        "btn_start_new": "🆕 البدء من جديد",
        "btn_report_now": "📝 أبلغ الآن",
        "resume_question": "لديك بلاغ لم يكتمل. هل تتابع أم تبدأ من جديد؟",
        "cancelled": "تم الإلغاء – لم يُرسل شيء. /start لبلاغ جديد في أي وقت.",
        "nothing_to_cancel": "لا يوجد شيء جارٍ. /start للإبلاغ عن مشكلة.",
        "stale_button": "هذا الزر لم يعد فعالًا – استخدم أحدث رسالة.",
        "hint_category": "اختر فئة بالأزرار في الأعلى.",
        "hint_buttons": "اضغط أحد الأزرار من فضلك.",
        "hint_photos": "أرسل صورة – أو اضغط «متابعة بدون صورة».",
        "hint_summary": "اضغط «إرسال» أو «تغيير» أو «إلغاء».",
        "no_draft_text": "هل تريد الإبلاغ عن مشكلة؟ اضغط الزر أو /start. /help يعرض كل ما أستطيع.",
        "other_no_draft": "لا أستطيع استخدام هذا. /start للإبلاغ، /help للمساعدة.",
        "other_in_draft": "لا أستطيع استخدام هذا هنا.",
        "edited": "لا أستطيع قبول الرسائل المعدّلة – أرسلها من جديد.",
        "unknown_command": "لا أعرف هذا الأمر. /help يعرض كل الأوامر.",
        "private_only": "اكتب لي مباشرة (في محادثة خاصة) – لا أستقبل البلاغات في المجموعات.",
        "flood": "رسائل كثيرة جدًا في وقت واحد. انتظر قليلًا من فضلك.",
        "error": "حدث خطأ ما. تم حفظ بياناتك – حاول مرة أخرى.",
        "help": "طريقة الاستخدام: /start – ثم الفئة، المكان، ربما بعض الأسئلة، صورة، وصف؛ وأخيرًا "
        "«إرسال».\n\n/start – بلاغ جديد\n/status رقم-البلاغ – حالة بلاغ\n/mine – "
        "بلاغاتك\n/cancel – إلغاء\n/language – اللغة\n/privacy – الخصوصية\n/delete – حذف "
        "بيانات الاتصال\n\nفي حالة الطوارئ اتصل بـ {emergency}.",
        "privacy": "🔒 الخصوصية\n\nيذهب بلاغك (الفئة، المكان، الإجابات، الصور، الوصف) إلى إدارة "
        "المدينة. العلني فقط هو الفئة والحالة ومكان تقريبي – وليس اسمك أو رقم محادثتك "
        "أبدًا.\n\nفقط إذا أردت رسائل الحالة (الافتراضي «نعم») تحفظ المدينة "
        "رقم محادثتك في تيليجرام ولغتك: لتصلك الرسائل هنا ويعمل /mine "
        "و«لم تُحل؟». بدون ذلك لا يرتبط البلاغ بك.\n\nيتذكر البوت البلاغ "
        "غير المكتمل حتى ترسله أو تلغيه؛ الصور كمرجع تيليجرام فقط.\n\n/delete يحذف رقم "
        "محادثتك من كل البلاغات؛ تبقى البلاغات بدون اسم.",
        "delete_question": "هل أحذف بيانات الاتصال (رقم محادثة تيليجرام) من كل بلاغاتك؟ تبقى "
        "البلاغات بدون اسم؛ ولن تصلك رسائل الحالة بعد ذلك.",
        "btn_delete_yes": "🗑 نعم، احذف",
        "btn_delete_no": "لا، أبقِها",
        "delete_kept": "حسنًا، لم يُحذف شيء.",
        "deleted": "🗑 تم: حُذف {n} من السجلات برقم محادثتك. ونسي البوت كل شيء عنك أيضًا.",
        "ask_language": "أي لغة؟",
        "language_set": "اللغة: {name} ✓",
        "status_usage": "أضف رقم البلاغ من رسالة التأكيد: /status رقم-البلاغ. بلاغاتك: /mine",
        "status_bad_reference": "«{id}» ليس رقم بلاغ (تجده في رسالة تأكيد بلاغك).",
        "status_not_found": "لا يوجد بلاغ برقم {id}.",
        "status_line": "الحالة: {status}",
        "status_note": "ملاحظة المدينة: «{note}»",
        "btn_not_fixed": "🔁 لم تُحل؟ ({id})",
        "mine_title": "📂 بلاغاتك:",
        "mine_empty": "لم تبلغ عن شيء بعد (أو حُذفت بياناتك). /start للبدء.",
        "mine_hint": "التفاصيل: /status <رقم البلاغ>",
        "reopen_ask": "ما الذي لا يزال غير سليم في {id}؟ اكتبه باختصار – أو /cancel.",
        "reopened": "🔁 شكرًا! أعيد فتح {id} وعاد إلى المعالجة.\nالحالة: {link}",
    },
}


def t(lang: str, key: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (English, then German as fallback), filled with values."""
    for candidate in (lang, "en", "de"):
        text = TEXTS.get(candidate, {}).get(key)
        if text is not None:
            return text.format(**values) if values else text
    raise KeyError(key)


def all_variants(key: str) -> set[str]:
    """The text in every language, case-folded (to recognise a reply-keyboard button)."""
    return {TEXTS[lang][key].strip().casefold() for lang in LANGUAGES if key in TEXTS[lang]}


def status_name(lang: str, status: str | None) -> str:
    if not status:
        return ""
    return STATUS.get(lang, STATUS["en"]).get(status, status)
