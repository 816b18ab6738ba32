"""The words handbooks use for contact fields, roles and blank values, in several languages.

Data only: the rules that use it live in :mod:`opsbook.checks.placeholders`. Latin-script words
are matched as whole words (case-insensitive); CJK and Hangul words as substrings, since those
scripts put no spaces between words. German compounds are matched by stem ("Vorlage" inside
"Meldevorlage"), listed under ``STEMS``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# What a value is for: the person's name, a number, an address, a chat handle, or "a contact"
# in general. A label holding one of these names a contact value.
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("name", "names", "full name", "phone", "phones", "phone number", "telephone", "tel",
           "mobile", "cell", "cellphone", "pager", "hotline", "phone number", "contact number",
           "mobile number", "e-mail", "email", "mail", "email address", "e-mail address",
           "slack", "slack handle", "handle", "whatsapp", "signal", "sms",
           "contact", "contacts", "contact person", "reach", "who", "members", "member"),
    "pt": ("nome", "telefone", "celular", "telemóvel", "contato", "contacto", "contatos",
           "correio", "ramal"),
    "es": ("nombre", "teléfono", "telefono", "móvil", "movil", "celular", "correo",
           "correo electrónico", "contacto", "contactos", "extensión"),
    "fr": ("nom", "prénom", "téléphone", "telephone", "tél", "tel", "mél", "portable", "mobile",
           "courriel", "adresse e-mail", "adresse mail", "contact", "contacts", "joignable"),
    "de": ("name", "telefon", "telefonnummer", "handy", "mobil", "mobilnummer", "rufnummer",
           "durchwahl", "e-mail", "kontakt", "ansprechpartner", "ansprechpartnerin"),
    "it": ("nome", "cognome", "telefono", "cellulare", "contatto", "contatti", "posta"),
    "nl": ("naam", "telefoon", "telefoonnummer", "mobiel", "contact", "contactpersoon",
           "bereikbaar"),
    "sv": ("namn", "telefon", "mobil", "e-post", "epost", "kontakt", "kontaktperson"),
    "no": ("navn", "telefon", "mobil", "e-post", "kontakt", "kontaktperson"),
    "da": ("navn", "telefon", "mobil", "e-mail", "kontakt", "kontaktperson"),
    "pl": ("imię", "nazwisko", "telefon", "komórka", "kontakt", "osoba kontaktowa"),
    "ru": ("имя", "фио", "телефон", "почта", "контакт", "контакты"),
    "tr": ("isim", "ad soyad", "telefon", "cep", "e-posta", "iletişim"),
    "ja": ("氏名", "名前", "電話", "携帯", "連絡先", "メール", "担当者"),
    "zh": ("姓名", "名字", "电话", "手机", "邮箱", "邮件", "联系人", "联系方式", "電話"),
    "ko": ("이름", "성명", "전화", "휴대폰", "연락처", "이메일", "담당자"),
}

# Who a value is: a rotation role, a function someone holds, an outside party. A label ending
# in one of these ("Engineering manager:", "DBA on call:") expects a person or a way to reach
# one.
ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("on-call", "oncall", "on call", "primary", "secondary", "backup", "standby",
           "escalation", "manager", "lead", "leader", "owner", "coordinator", "responder",
           "engineer", "director", "vp", "cto", "ceo", "cio", "ciso", "head", "commander",
           "specialist", "dba", "supervisor", "deputy", "substitute", "vendor", "provider",
           "supplier", "partner", "carrier", "contractor", "counsel", "support", "desk", "helpdesk",
           "service desk", "account manager", "officer", "approver", "sponsor", "liaison",
           "admin", "administrator", "management", "leadership", "executive",
           "tier 1", "tier 2", "tier 3", "level 1", "level 2", "level 3", "first line",
           "second line", "shift lead", "facilities", "security", "legal"),
    "pt": ("plantão", "plantonista", "responsável", "gerente", "coordenador", "diretor",
           "suporte", "fornecedor", "reserva", "líder", "substituto"),
    "es": ("guardia", "responsable", "suplente", "jefe", "gerente", "director", "coordinador",
           "proveedor", "soporte", "encargado", "sustituto", "soporte técnico"),
    "fr": ("astreinte", "responsable", "directeur", "directrice", "fournisseur", "prestataire",
           "support", "délégué", "référent", "suppléant", "chef", "remplaçant"),
    "de": ("bereitschaft", "rufbereitschaft", "vertretung", "teamleitung", "leitung", "leiter",
           "leiterin", "bereichsleitung", "dienstleister", "lieferant", "verantwortlich",
           "zuständig", "zuständigkeit", "eskalation"),
    "it": ("reperibile", "reperibilità", "responsabile", "referente", "riserva", "fornitore",
           "coordinatore", "direttore", "sostituto"),
    "nl": ("piket", "eerste lijn", "tweede lijn", "teamleider", "leverancier",
           "verantwoordelijke", "vervanger", "leidinggevende"),
    "sv": ("jour", "jourhavande", "beredskap", "reserv", "chef", "ansvarig", "leverantör"),
    "no": ("vakt", "vakthavende", "beredskap", "reserve", "leder", "ansvarlig", "leverandør"),
    "da": ("vagt", "vagthavende", "beredskab", "reserve", "leder", "ansvarlig", "leverandør"),
    "pl": ("dyżur", "dyżurny", "dyżurna", "kierownik", "zastępca", "dostawca", "odpowiedzialny"),
    "ru": ("дежурный", "руководитель", "ответственный", "поставщик", "заместитель"),
    "tr": ("nöbetçi", "yönetici", "sorumlu", "tedarikçi", "yedek"),
    "ja": ("担当", "責任者", "一次対応", "二次対応", "当番", "リーダー", "部長", "課長",
           "マネージャー", "ベンダー", "オンコール", "エスカレーション先", "窓口", "協力会社",
           "保守会社", "代理"),
    "zh": ("值班", "负责人", "主值班", "副值班", "经理", "主管", "供应商", "升级"),
    "ko": ("부담당자", "책임자", "당직", "관리자", "온콜"),
}

# A whole value that says it is not known yet. Matched at the start of a value once brackets,
# parentheses and emphasis are stripped ("TBD (hiring)", "to be confirmed after hiring").
BLANK_VALUES: dict[str, tuple[str, ...]] = {
    "en": ("tbd", "tbc", "tba", "to be decided", "to be confirmed", "to be determined",
           "to be assigned", "to be announced", "to be added", "to be filled", "to be named",
           "to be hired", "pending", "open position", "open role", "vacancy", "not set up",
           "not set", "not known", "unknown", "missing",
           "nobody yet", "no one yet", "unassigned", "not assigned", "not yet assigned", "vacant",
           "none yet", "n/a yet", "fill in", "fill me in", "update me", "replace me",
           "placeholder", "???", "?", "xxx", "todo", "fixme", "changeme", "change me"),
    "pt": ("a definir", "a confirmar", "a preencher", "preencher", "pendente", "por definir",
           "a designar"),
    "es": ("por definir", "por confirmar", "por asignar", "pendiente", "a definir", "vacante",
           "sin cubrir",
           "completar", "por completar", "sin asignar", "rellenar"),
    "fr": ("à compléter", "a compléter", "à définir", "à renseigner", "à confirmer",
           "à venir", "à pourvoir", "poste vacant", "vacant", "en attente", "non attribué",
           "compléter", "renseigner"),
    "de": ("folgt", "n.n.", "n.n", "n. n.", "nn", "noch offen", "ausstehend", "noch festzulegen",
           "wird nachgereicht", "unbesetzt", "vakant", "eintragen", "noch eintragen", "offen"),
    "it": ("da definire", "da compilare", "da confermare", "vacante", "da assegnare", "da inserire",
           "in attesa", "compilare"),
    "nl": ("nog in te vullen", "nog te bepalen", "volgt", "n.t.b.", "ntb", "nader te bepalen",
           "invullen", "nog onbekend", "vacature"),
    "sv": ("fylls i", "saknas", "ej tilldelad", "ej bestämt", "ej bestämd", "kommer senare",
           "att fylla i"),
    "no": ("fylles inn", "mangler", "ikke tildelt", "kommer"),
    "da": ("udfyldes", "mangler", "ikke tildelt", "følger"),
    "pl": ("do uzupełnienia", "do ustalenia", "brak", "uzupełnić", "nieprzypisany"),
    "ru": ("уточняется", "не назначен", "заполнить", "будет позже", "нет"),
    "tr": ("belirlenecek", "doldurulacak", "atanmadı", "eklenecek"),
    "ja": ("未定", "未記入", "要記入", "記入", "確認中", "調整中", "未設定", "未確定"),
    "zh": ("待定", "待补充", "待填写", "待确认", "未定", "暂无", "待定中", "填写"),
    "ko": ("미정", "추후 기입", "추후 기재", "미지정", "확인 중", "기입"),
}

# The first word of an instruction written where the value belongs: "[update every sprint]",
# "[see the paging tool]", "(ask procurement)".
INSTRUCTION_VERBS: dict[str, tuple[str, ...]] = {
    "en": ("update", "see", "check", "ask", "add", "insert", "enter", "fill", "put", "replace",
           "write", "look up", "lookup", "refer", "consult", "confirm", "get", "find", "use",
           "current", "assign", "set", "obtain", "request", "verify"),
    "pt": ("preencher", "inserir", "ver", "consultar", "atualizar", "adicionar", "colocar"),
    "es": ("completar", "rellenar", "insertar", "ver", "consultar", "actualizar", "añadir",
           "agregar", "poner", "indicar"),
    "fr": ("compléter", "renseigner", "ajouter", "insérer", "voir", "consulter", "indiquer",
           "mettre", "remplir"),
    "de": ("eintragen", "einfügen", "ergänzen", "siehe", "nachtragen", "aktualisieren",
           "ausfüllen"),
    "it": ("inserire", "compilare", "vedere", "aggiungere", "aggiornare", "indicare"),
    "nl": ("invullen", "zie", "toevoegen", "aanvullen", "bijwerken", "vul"),
    "ja": ("記入", "参照", "入力", "確認", "追記"),
    "zh": ("填写", "参见", "补充", "输入", "查看"),
    "ko": ("기입", "참조", "입력", "확인"),
}

# Generic people standing in for real ones: "Engineer A", "Manager X", "Person 1".
STAND_IN_NOUNS: tuple[str, ...] = (
    "engineer", "person", "manager", "lead", "user", "contact", "name", "on-call", "oncall",
    "member", "team member", "developer", "dev", "sre", "responder", "admin", "employee",
    "staff", "persona", "pessoa", "personne", "técnico", "tecnico", "ingeniero", "ingénieur",
    "ingenieur", "mitarbeiter", "mitarbeiterin", "collega", "medewerker", "engenheiro",
    "gerente", "responsable", "responsabile", "person", "tech", "technician", "analyst",
    "operator", "agent",
)
# Whole values that are well-known stand-in names, or a role followed by "name".
STAND_IN_NAMES: tuple[str, ...] = (
    "john doe", "jane doe", "john smith", "max mustermann", "erika mustermann",
    "fulano de tal", "fulano", "jan modaal", "mario rossi", "jean dupont", "山田太郎",
    "山田 太郎", "张三", "李四", "홍길동", "firstname lastname", "first name last name",
    "first last", "name surname", "nome cognome", "nombre apellido", "prénom nom",
    "vorname nachname", "voornaam achternaam",
)

# What a section holds when its heading says so. A *message* section holds text sent or read
# out during an incident (its blanks stay); a *record* section is filled in during or after
# one (timeline, postmortem, checklist); a *contacts* section is a list to keep filled.
MESSAGE_WORDS: dict[str, tuple[str, ...]] = {
    "sv": ("meddelande", "driftstörningsmeddelande", "kommunikation", "utskick"),
    "pl": ("komunikat", "wiadomość", "powiadomienie"),
    "en": ("message", "messages", "communication", "communications", "announcement", "notice",
           "notification", "wording", "script", "status update", "status updates", "update",
           "updates", "e-mail to", "email to", "mail to", "broadcast", "press release",
           "statement", "reminder", "post", "tweet", "bridge opening", "opening the call",
           "closing the call", "read aloud", "talking points", "subject line", "status page",
           "handoff note", "handoff notes", "handover note", "hand-off message"),
    "pt": ("mensagem", "mensagens", "comunicação", "comunicado", "aviso", "atualização",
           "notificação", "modelo de e-mail"),
    "es": ("mensaje", "mensajes", "comunicación", "comunicado", "aviso", "actualización",
           "notificación", "anuncio"),
    "fr": ("message", "messages", "communication", "communiqué", "annonce", "avis",
           "mise à jour", "notification"),
    "de": ("nachricht", "mitteilung", "meldung", "statusmeldung", "ankündigung",
           "benachrichtigung", "kommunikation", "rundmail"),
    "it": ("messaggio", "messaggi", "comunicazione", "comunicato", "avviso", "aggiornamento",
           "notifica"),
    "nl": ("bericht", "berichten", "statusbericht", "communicatie", "mededeling", "melding"),
    "ja": ("連絡文", "通知", "お知らせ", "報告", "アナウンス", "メッセージ", "文面"),
    "zh": ("通报", "通知", "公告", "消息", "报告"),
    "ko": ("공지", "알림", "메시지", "보고"),
}
RECORD_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("postmortem", "post-mortem", "post mortem", "post-incident", "post incident",
           "incident report", "incident review", "retrospective", "retro", "rca",
           "root cause analysis", "timeline", "incident log", "working log", "log format",
           "shift report", "handoff", "hand-off", "handover", "checklist", "check list",
           "action items", "incident notes", "war room", "whiteboard", "reporting form",
           "report form", "during the incident", "during an incident", "minutes",
           "participants", "roles to assign"),
    "pt": ("pós-incidente", "relatório", "linha do tempo", "lista de verificação",
           "passagem de turno"),
    "es": ("post mortem", "informe", "cronología", "lista de verificación", "bitácora",
           "durante el incidente", "traspaso"),
    "fr": ("compte rendu", "retour d'expérience", "rex", "chronologie", "liste de contrôle",
           "pendant l'incident", "passation"),
    "de": ("nachbetrachtung", "störungsbericht", "bericht", "prüfliste", "checkliste",
           "zeitleiste", "protokoll", "übergabeprotokoll", "nach der störung"),
    "it": ("post-mortem", "rapporto", "resoconto", "cronologia", "lista di controllo",
           "durante l'incidente"),
    "nl": ("evaluatie", "tijdlijn", "checklist", "na afloop", "overdracht", "logboek"),
    "ja": ("振り返り", "ポストモーテム", "障害報告", "報告書", "タイムライン", "チェックリスト",
           "対応記録"),
    "zh": ("复盘", "事后", "故障报告", "时间线", "检查清单", "处理记录"),
    "ko": ("사후", "회고", "타임라인", "체크리스트", "보고서"),
}
TEMPLATE_WORDS: dict[str, tuple[str, ...]] = {
    "sv": ("mall", "mallar", "exempel"),
    "no": ("mal", "eksempel"),
    "pl": ("szablon", "wzór", "przykład"),
    "ru": ("шаблон", "пример"),
    "tr": ("şablon", "örnek"),
    "en": ("template", "templates", "format", "form", "sample", "example", "boilerplate",
           "skeleton", "blank"),
    "pt": ("modelo", "modelos", "exemplo", "formulário"),
    "es": ("plantilla", "plantillas", "modelo", "formato", "ejemplo", "formulario"),
    "fr": ("modèle", "modèles", "gabarit", "exemple", "formulaire"),
    "de": ("vorlage", "vorlagen", "muster", "beispiel", "formular"),
    "it": ("modello", "modelli", "esempio", "formato", "modulo"),
    "nl": ("sjabloon", "sjablonen", "voorbeeld", "formulier"),
    "ja": ("テンプレート", "雛形", "ひな形", "書式", "例", "様式"),
    "zh": ("模板", "模版", "格式", "示例", "范例"),
    "ko": ("템플릿", "양식", "예시", "서식"),
}
CONTACT_SECTION_WORDS: dict[str, tuple[str, ...]] = {
    "sv": ("kontaktuppgifter", "kontakter", "eskalering", "jour", "beredskap", "jourlista"),
    "pl": ("kontakty", "eskalacja", "dyżury", "grafik"),
    "ru": ("контакты", "эскалация", "дежурства", "график"),
    "en": ("contact", "contacts", "directory", "roster", "rota", "rotation", "schedule",
           "escalation", "escalations", "ladder", "on-call", "oncall", "on call", "who to call",
           "phone list", "people", "vendors", "vendor", "partners", "third-party", "third party",
           "responsibilities", "coverage", "pager", "paging", "tiers", "levels", "team"),
    "pt": ("contatos", "contactos", "escala", "escalonamento", "plantão", "responsáveis",
           "fornecedores"),
    "es": ("contactos", "escalamiento", "escalado", "guardia", "guardias", "responsables",
           "turnos", "proveedores", "cadena"),
    "fr": ("contacts", "escalade", "astreinte", "astreintes", "rôles", "annuaire",
           "fournisseurs", "planning"),
    "de": ("kontakte", "ansprechpartner", "eskalation", "bereitschaft", "rufbereitschaft",
           "zuständigkeiten", "dienstplan", "erreichbarkeit"),
    "it": ("contatti", "escalation", "reperibilità", "turni", "fornitori", "referenti"),
    "nl": ("contacten", "escalatie", "piket", "piketdienst", "bereikbaarheid", "rooster"),
    "ja": ("連絡先", "エスカレーション", "体制", "当番表", "オンコール"),
    "zh": ("联系人", "联系方式", "值班", "升级", "排班"),
    "ko": ("연락처", "온콜", "당직", "비상 연락망"),
}

# Words after which a bracket is the speaker's own name: "this is [NAME], incident commander".
SPEAKER_WORDS: tuple[str, ...] = (
    "this is", "i am", "i'm", "my name is", "it's", "sono", "je suis", "ici", "soy", "habla",
    "aquí", "aqui é", "eu sou", "hier ist", "ich bin", "hier spricht", "dit is", "ik ben",
)

# A line opening a message: subject line, greeting, sign-off.
MESSAGE_OPENERS: tuple[str, ...] = (
    "subject", "subj", "betreff", "assunto", "asunto", "objet", "oggetto", "onderwerp", "件名",
    "主题", "标题", "제목", "dear", "hello", "hi", "hi all", "hi everyone", "hi team",
    "olá", "hola", "bonjour", "hallo", "ciao", "buongiorno", "beste", "liebe", "sehr geehrte",
    "estimado", "estimada", "prezados", "caro", "cara", "chers", "kind regards", "regards",
    "best regards", "thanks", "atenciosamente", "saludos", "cordialement",
    "mit freundlichen grüßen", "cordiali saluti", "met vriendelijke groet",
)

# A sentence introducing what follows as text to send, read out or fill in later.
INTRO_CUES: tuple[str, ...] = (
    "copy this", "copy the", "copy it", "copy into", "copy everything", "copy and paste",
    "copy, then", "paste", "post in", "post to", "post this", "send this", "read this", "read out",
    "read aloud", "out loud", "say:", "and say", "use this", "fill it in as", "fill in during",
    "fill it in during", "fill this in when", "filled in during", "fill in when",
    "during the incident", "during an incident", "as the incident goes on", "when you report",
    "at incident time", "the bot posts", "posts this", "is filled in from", "are filled in from",
    "you should see", "you will see", "you'll see", "should look like", "looks like this",
    "sample output", "example output", "output looks", "output:", "prints", "returns:",
    "draw this", "copiez ce", "copie este", "copia este", "copia questo", "kopieren sie",
    "kopieer dit", "durante o incidente", "durante el incidente", "pendant l'incident",
    "während der störung", "tijdens een storing", "tijdens de storing", "durante l'incidente",
    "leggere", "legge ad alta voce", "ad alta voce", "à voix haute", "en voz alta",
    "in voller lautstärke", "vorlesen", "voorlezen", "gebruik tijdens", "usa durante",
    "use este modelo", "use este", "utilisez ce", "verwenden sie", "benutze",
)


def literal_pattern(literals: Iterable[str]) -> re.Pattern[str]:
    """A pattern finding any of ``literals`` (lower-cased: search lower-cased text) anywhere,
    built as a trie so that a long list costs one pass over the text rather than one per
    literal; case-insensitive matching made it five times slower."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for literal in literals:
        node = trie
        for char in literal.lower():
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:  # type: ignore[type-arg]
        ends = "" in node
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items())
                    if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return re.compile(build(trie))


def _compile(words: Iterable[str]) -> re.Pattern[str]:
    """One case-insensitive pattern: whole words for Latin script, substrings for CJK and
    Hangul (no spaces between words there)."""
    latin: list[str] = []
    other: list[str] = []
    for word in sorted(set(words), key=len, reverse=True):
        escaped = re.escape(word).replace(r"\ ", r"[\s_-]+")
        if any("\u3000" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af" for char in word):
            other.append(escaped)
        else:
            latin.append(escaped)
    parts = []
    if latin:
        parts.append(r"(?<![^\W_])(?:" + "|".join(latin) + r")(?![^\W_])")
    if other:
        parts.append("(?:" + "|".join(other) + ")")
    return re.compile("|".join(parts), re.IGNORECASE)


def _all(table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(word for words in table.values() for word in words)


FIELD = _compile(_all(FIELD_WORDS))
ROLE = _compile(_all(ROLE_WORDS))
MESSAGE = _compile(_all(MESSAGE_WORDS))
RECORD = _compile(_all(RECORD_WORDS))
TEMPLATE = _compile(_all(TEMPLATE_WORDS))
CONTACT_SECTION = _compile(_all(CONTACT_SECTION_WORDS))
# German writes compounds: "Meldevorlage" is a message template, "Störungsmeldung" a notice.
STEMS = re.compile(r"vorlage|meldung|mitteilung|nachricht|bericht|protokoll|muster", re.I)

_BLANK = sorted({word for word in _all(BLANK_VALUES)}, key=len, reverse=True)
BLANK_VALUE = re.compile(
    r"^(?:(?:still\s+|yet\s+)?to\s+be\s+\w+|not\s+yet\s+\w+|"
    + "|".join(re.escape(word) for word in _BLANK) + r")(?![^\W_])", re.IGNORECASE
)
_VERBS = sorted({word for word in _all(INSTRUCTION_VERBS)}, key=len, reverse=True)
INSTRUCTION = re.compile(
    r"^(?:please\s+|bitte\s+|por favor\s+|s'il vous plaît\s+)?(?:"
    + "|".join(re.escape(word) for word in _VERBS) + r")(?![^\W_])",
    re.IGNORECASE,
)
INSTRUCTION_ANYWHERE = re.compile(
    r"(?<![^\W_])(?:check|see|ask|update|consult|siehe|ver|voir|zie|vedere)\s+(?:the\s+|in\s+|"
    r"el\s+|la\s+|le\s+|die\s+|de\s+|o\s+|a\s+)?\w+", re.IGNORECASE,
)
STAND_IN = re.compile(
    r"^(?:(?:" + "|".join(re.escape(word) for word in sorted(set(STAND_IN_NOUNS), key=len,
                                                             reverse=True))
    + r")\s+(?:[A-Z]|[1-9]|#[1-9])|(?:"
    + "|".join(re.escape(word) for word in STAND_IN_NAMES)
    + r")|(?:primary|secondary|backup|manager|lead|engineer|contact|vendor|person)['’]?s?\s+name)$",
    re.IGNORECASE,
)
SPEAKER = re.compile(
    r"(?<![^\W_])(?:" + "|".join(re.escape(word) for word in SPEAKER_WORDS) + r")\s*$",
    re.IGNORECASE,
)
MESSAGE_OPENER = re.compile(
    r"^(?:[>*_\s\"“]*)(?:" + "|".join(re.escape(word) for word in
                                       sorted(MESSAGE_OPENERS, key=len, reverse=True))
    + r")\s*(?:[:：,!]|$)", re.IGNORECASE,
)
INTRO_LOWER = tuple(cue.lower() for cue in INTRO_CUES)
INTRO = re.compile("|".join(re.escape(cue) for cue in sorted(INTRO_CUES, key=len, reverse=True)),
                   re.IGNORECASE)
