"""The shared advice pages every kommun starts with, installed by migration 0002 (`install_shared_pages`).

Written for this project in plain Swedish; the sources are where the advice can be checked. A page an operator has
changed in the admin is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lofte.citizens.models import RiskGroup


@dataclass(frozen=True)
class SharedPage:
    slug: str
    title: str
    summary: str
    risk_groups: tuple[str, ...]
    source: str
    body: str


FRAUD = SharedPage(
    slug="skydda-dig-mot-bedragerier",
    title="Så skyddar du dig mot bedrägerier",
    summary="Bedragare ringer, skickar sms och mejl. Så känner du igen dem, och så gör du om det redan har hänt.",
    risk_groups=(RiskGroup.ALDRE, RiskGroup.ALLA),
    source="Källor: Polisen (polisen.se, om bedrägerier) och Brottsförebyggande rådet, Brå (bra.se).",
    body="""Bedragare vill komma åt dina pengar. De ringer, skickar sms eller mejl och låtsas vara från banken, \
polisen, ett företag eller en släkting. De låter ofta trovärdiga och försöker stressa dig att göra något på en gång. \
Ta god tid på dig. Den som är seriös kan vänta.

Telefonbedrägerier. Lägg på om någon ringer och ber dig flytta pengar, lämna kortuppgifter eller logga in med \
bank-id. Banken och polisen ber dig aldrig om det i telefon. Vill du kontrollera, ring själv upp banken på numret \
som står på ditt kort eller på bankens webbplats.

Falska bank-id-samtal. Använd aldrig ditt bank-id för att någon annan ber dig om det, till exempel för att \
"stoppa en betalning" eller "skydda ditt konto". Öppna bank-id bara när du själv har bestämt att logga in eller \
skriva under något. Läs alltid vad som står i appen innan du skriver din kod.

Kortbedrägerier. Lämna aldrig ut kortnummer, säkerhetskod eller pinkod till någon som hör av sig till dig. Ingen \
från banken eller polisen kommer hem till dig för att hämta ditt kort. Sätt gärna en gräns för hur mycket kortet \
kan användas på nätet och utomlands.

Länkar i sms och mejl. Klicka inte på länkar i meddelanden om att ett paket väntar, att en räkning är obetald eller \
att ditt konto är spärrat. Gå i stället själv till företagets webbplats eller app.

Hör en släkting eller vän av sig från ett nytt nummer och behöver pengar snabbt? Ring personen på det nummer du \
brukar använda och fråga innan du gör något.

Om det redan har hänt. Ring din bank direkt och be dem spärra kort, konto och bank-id. Bankerna tar emot spärrar \
dygnet runt. Gör sedan en polisanmälan på 114 14 eller på polisen.se. Spara sms, mejl och listan över samtal. \
Ring 112 om brottet pågår just nu.

Det är bedragaren som har gjort fel, inte du. Berätta gärna för dina närstående vad som hände, så kan de skydda \
sig.""",
)

BURGLARY = SharedPage(
    slug="skydda-hemmet-mot-inbrott",
    title="Skydda ditt hem mot inbrott",
    summary="Enkla saker som gör det svårare för tjuven: lås, ljus, grannar som bryr sig och ett hem som ser bebott ut.",
    risk_groups=(RiskGroup.ALLA, RiskGroup.BOENDE),
    source="Källor: Polisen (polisen.se, om inbrott) och Brottsförebyggande rådet, Brå (bra.se).",
    body="""De flesta inbrott sker när ingen är hemma. Tjuven vill in och ut snabbt och utan att synas. Det du gör \
för att det ska ta längre tid och synas mer gör ditt hem mindre lockande.

Lås. Lås dörrar och fönster även när du bara går ut en kort stund. Ha bra lås på ytterdörren och på balkong- och \
altandörrar. Lämna inte nycklar under mattan eller i en blomkruka.

Ljus och insyn. Tänd utebelysning, gärna med rörelsevakt. Klipp buskar som skymmer dörrar och fönster. Ställ inte \
ut stegar eller verktyg som kan användas för att ta sig in.

När du är borta. Låt huset eller lägenheten se bebodd ut: be en granne ta in posten, använd timer på lampor och \
berätta inte på sociala medier att du är bortrest.

Grannar. Lär känna dina grannar och hjälp varandra att hålla koll. Grannsamverkan är ett sätt att göra det \
tillsammans med polisen och kommunen. Fråga kommunen om det finns en grupp där du bor.

Förråd och källare. Bor du i flerbostadshus: lås förrådet med ett stabilt lås, släpp inte in okända i porten och \
säg till hyresvärden om dörrar som inte går i lås.

Märk och dokumentera. Fotografera värdesaker och skriv upp serienummer. Det gör det lättare att få tillbaka det \
som stulits och att få ersättning från försäkringen.

Ser du något misstänkt? Ring 112 om ett inbrott pågår. Vill du tipsa polisen i efterhand, ring 114 14. Har du \
haft inbrott: rör inte mer än nödvändigt, polisanmäl på 114 14 eller polisen.se och kontakta ditt försäkringsbolag.""",
)

GUARDIANS = SharedPage(
    slug="risk-och-skyddsfaktorer-tonaringar",
    title="Risk- och skyddsfaktorer – för dig som är vårdnadshavare till en tonåring",
    summary="Vad som skyddar unga från att dras in i brott, tecken att vara uppmärksam på och var du får stöd.",
    risk_groups=(RiskGroup.VARDNADSHAVARE,),
    source=(
        "Källor: Brottsförebyggande rådet, Brå (bra.se), Polisen (polisen.se) och Länsstyrelsen. "
        "Allmänna råd, ingen medicinsk eller psykologisk bedömning."
    ),
    body="""Som vårdnadshavare betyder du mycket, även när din tonåring verkar vilja klara sig själv. Forskningen \
talar om skyddsfaktorer, sådant som gör det mindre troligt att en ung person dras in i brott, och riskfaktorer, \
sådant som gör det mer troligt. Ingen enskild faktor avgör. Det handlar om helheten.

Skyddsfaktorer du kan stärka. En nära och varm relation där ni pratar med varandra. Att du vet var ditt barn är, \
vem hen är med och vad de gör. Tydliga regler som ni har kommit överens om. Att gå i skolan och få hjälp när det är \
svårt. En meningsfull fritid, till exempel en förening, idrott eller ett jobb.

Tecken att vara uppmärksam på. Nya vänner som du inte får träffa. Pengar, kläder eller saker som inte går att \
förklara. Att hen ofta är borta från skolan eller kommer hem sent. Att hen blir hemlighetsfull med telefonen, \
verkar rädd eller plötsligt byter beteende. Ett tecken behöver inte betyda att något är fel, men det är värt att \
fråga.

Så kan du göra. Fråga med nyfikenhet och utan att anklaga. Lyssna mer än du pratar. Lär känna andra föräldrar och \
hjälps åt, till exempel genom föräldravandringar. Håll kontakt med skolan. Säg tydligt nej till alkohol, narkotika \
och till att bära kniv eller annat vapen.

Här får du stöd. Skolans elevhälsa, fritidsgården och socialtjänsten i din kommun kan ge råd och stöd, och du kan \
höra av dig även om du bara är orolig. Misstänker du att ditt barn är utsatt för brott eller begår brott, kontakta \
socialtjänsten eller polisen på 114 14. Ring 112 om det är akut.""",
)

SHARED_PAGES = (FRAUD, BURGLARY, GUARDIANS)


def install_shared_pages(model: Any) -> int:
    """Create the shared pages that are missing (a page an operator has changed is left as it is); returns how many."""
    created = 0
    for shared in SHARED_PAGES:
        _, new = model.objects.get_or_create(
            partnership=None,
            slug=shared.slug,
            defaults={
                "title": shared.title,
                "summary": shared.summary,
                "body": shared.body,
                "risk_groups": [str(group) for group in shared.risk_groups],
                "source": shared.source,
                "is_published": True,
            },
        )
        created += new
    return created
