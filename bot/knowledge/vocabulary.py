"""How people ask versus how the documents say it: tokens, stems, and the domain vocabulary.

Most real questions share few words with the passage that answers them ("how much do these ai pic
things run you" is answered by "AI tools typically charge a flat fee—often under $50"). Three things
bridge that gap, all applied to the question, never to the documents:

- `CONCEPTS`: the topics the documents cover, each with the casual ways people ask about it
  (*triggers*) and the words the documents use for it (*expansions*). A trigger in the question adds
  the expansions to the query at a lower weight than the question's own words.
- `TYPOS` and a fuzzy match against the known vocabulary for misspellings.
- `GLOSSARY`: the domain words of a few other languages, so a question in Spanish or French about
  prices or portraits still finds its passage (the reply says the bot answers in English).

`UNCOVERED` lists headshot topics people ask about that the documents do *not* cover (camera settings,
clothing, passports, data privacy, pixel sizes, which app to buy). A similarity score cannot tell
these from covered questions (they are about headshots too), so the bot declines them by topic.
Tune by adding ways of asking to a concept, not by copying eval questions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_stemmer = snowballstemmer.stemmer("english")
_TOKEN = re.compile(r"[a-z0-9$]+(?:'[a-z]+)?")


def fold(text: str) -> str:
    """Lower case, accents and curly quotes folded, so “Don’t” and "dont" meet."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Raw lower-case tokens; "i'm" becomes "im", "$50" stays whole."""
    return [w.replace("'", "") for w in _TOKEN.findall(fold(text))]


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


FILLER = _wordset("kinda sorta really very pretty just super totally quite actually literally basically")
"""Words dropped before matching, so "looks kinda fake" still reads as "looks fake"."""

STOPWORDS = _wordset(
    """
a about above after again against all also am an and any are aren arent as at be because been before
being below between both but by can cant could couldnt did didnt do does doesnt doing dont down
during each few for from further had hadnt has hasnt have havent having he hed hes her here heres
hers herself him himself his how hows i id ill im ive if in into is isnt it its itself lets me more
most mustnt my myself no nor not of off on once only or other ought our ours ourselves out over own
same shant she shed shes should shouldnt so some such than that thats the their theirs them
themselves then there theres these they theyd theyll theyre theyve this those through to too under
until up very was wasnt we wed well were weve werent what whats when whens where wheres which while
who whos whom why whys will with wont would wouldnt you youd youll youre youve your yours yourself
yourselves just really actually even kinda sorta like lol lmao ok okay so um uh hey hi hello yeah
yes nah rn tbh imo idk pls plz please thanks thank u ur r gonna wanna gotta got get gets getting
thing things stuff one ones someone something anything guys guy any anyone much many lot lots bit
i've i'm it's don't can't ya yo also maybe probably pretty quite still usually sometimes often
always ever never now here there go going goes gone went route way myth true false idea good bad
fine problem issue deal days
"""
)
"""Function words and chat filler: never indexed, never counted when judging coverage."""

QUESTION_WORDS = frozenset({"how", "what", "why", "when", "where", "which", "who", "whom", "whose"})


@dataclass(frozen=True)
class Concept:
    name: str
    triggers: tuple[str, ...]  # words or short phrases as people type them
    expands: tuple[str, ...]  # words the documents use for the same thing
    weight: float = 0.6
    generic: bool = False  # the domain itself (ai, photo): marks a question on-topic, ranks little
    anchor: bool = False  # specific enough to mark a question on-topic by itself ("how often ... update")
    two_sided: bool = False  # the documents take different sides on it: show both


def _c(
    name: str,
    triggers: str,
    expands: str,
    weight: float = 0.6,
    *,
    generic: bool = False,
    two_sided: bool = False,
    anchor: bool = False,
) -> Concept:
    return Concept(
        name,
        tuple(t.strip() for t in triggers.split(",") if t.strip()),
        tuple(expands.split()),
        weight,
        generic=generic,
        two_sided=two_sided,
        anchor=anchor,
    )


CONCEPTS: tuple[Concept, ...] = (
    # --- the domain itself: on-topic markers ------------------------------------------------------------
    _c(
        "ai",
        "ai, a.i, artificial, generated, generator, generate, computer made, computer-made, "
        "computer generated, "
        "synthetic, algorithm, app, apps, tool, tools, service, services, site, sites, filter, midjourney, "
        "chatgpt, dall-e, stable diffusion, gen ai, genai, ai-generated, robot, fake, machine, bot made",
        "ai generated artificial algorithm synthetic tools services",
        0.3,
        generic=True,
    ),
    _c(
        "photo",
        "photo, photos, pic, pics, picture, pictures, pfp, avatar, profile picture, profile pic, headshot, "
        "headshots, portrait, portraits, image, images, selfie, selfies, snap, shot, shots, mugshot, dp",
        "headshot portrait photo image",
        0.3,
        generic=True,
    ),
    _c(
        "photographer",
        "photographer, photographers, photog, photogs, studio, professional, pro, pros, real photographer, "
        "photo shoot, photoshoot, shoot, session, human photographer, camera person, real one, real photo, "
        "real ones, real headshot, real headshots, the real thing, real pics, real pictures, traditional, "
        "ai or real, human made",
        "photographer professional session studio photography traditional real",
        0.35,
        generic=True,
        two_sided=True,
    ),
    # --- topics the documents cover ----------------------------------------------------------------------
    _c(
        "cost",
        "expense, expenses, cost, costs, price, prices, pricing, pricey, cheap, cheaper, cheapest, "
        "expensive, afford, "
        "affordable, "
        "budget, money, pay, paying, paid, fee, fees, dollars, bucks, $, run you, how much, save, saving, "
        "savings, spend, broke, free, subscription, costly, worth the money, damage, set me back, "
        "charge, charges, "
        "rates, rate, fork out, shell out, splurge",
        "fee cost low-cost affordable affordably budget financial investment investing charge plans $50 "
        "expensive significant",
        0.7,
        two_sided=True,
    ),
    _c(
        "worth",
        "difference in quality, quality difference, better quality, higher quality, compare quality, "
        "worth, worth it, better, best option, go with, superior, value, compare, "
        "comparison, vs, versus, or a real, instead",
        "worth investing investment superior gold standard crucial quality realistic",
        0.6,
        two_sided=True,
    ),
    _c(
        "trust",
        "untrustworthy, distrust, mistrust, trust less, trust, trusted, weird, shady, sketchy, "
        "creepy, dishonest, deceptive, deceiving, deceive, "
        "lying, lie, "
        "catfish, catfishing, honest, honesty, judge, judged, red flag, off-putting, offputting, credible, "
        "credibility, legit, scam, scammy, mislead, misleading, suspicious, fraud, cheating, cheat, "
        "unprofessional, look bad, think less, put off, turn off, authentic, authenticity, genuine, real me, "
        "perceive, perception, impression, trustworthy, integrity, transparency, sus, frowned, fake",
        "trust trustworthiness credibility honesty deceptive authenticity doubts misleading manipulation "
        "perceivers perception genuine facade",
        0.6,
        two_sided=True,
    ),
    _c(
        "professions",
        "nurse, nursing, doctor, doctors, physician, medical, medicine, healthcare, health, "
        "hospital, clinic, "
        "therapist, therapy, counselor, counsellor, psychologist, psychiatrist, dentist, pharmacist, "
        "lawyer, lawyers, attorney, attorneys, legal, law, paralegal, solicitor, barrister, judge, "
        "government, gov, govt, city council, city hall, city job, council, public sector, "
        "civil servant, civil service, "
        "federal, state job, "
        "police, cop, military, politician, official, mayor, social worker, caregiver, clinician, surgeon, "
        "notary, banker, financial advisor, accountant",
        "healthcare legal practice government roles accountability paramount trust deceptive field norms "
        "honesty transparency",
        0.8,
    ),
    _c(
        "role",
        "im a, i am a, my field, my industry, my profession, my line of work, agent, realtor, "
        "consultant, manager, coach, founder, ceo, executive, salesperson, sales, marketer, nonprofit, "
        "freelance, contractor, student, graduate",
        "field norms expect region sector-specific visual standards",
        0.4,
    ),
    _c(
        "sectors",
        "finance, bank, software, developer, engineer, programmer, coder, tech, designer, design, creative, "
        "artist, teacher, professor, academic, lecturer, sector, industry specific, corporate",
        "corporate finance software development creative design academic teaching sector-specific field",
        0.6,
    ),
    _c(
        "aging",
        "old, older, outdated, dated, years, year, yrs, yr, age, aging, ageing, aged, refresh, update, "
        "updating, new one, current, twenties, thirties, forties, fifties, 20s, 30s, 40s, 50s, "
        "decade, decades, forever, ages ago, years ago, same photo, same pic, "
        "same picture, same headshot, same profile photo, same profile pic, how often, "
        "how long ago, long time, still look like, look different, "
        "look older, grey, gray, "
        "wrinkles, frozen, expire, expiry, stale, ancient",
        "age appearance changes outdated revisit years frozen time current look evolution discrepancy "
        "incongruent",
        0.7,
    ),
    _c(
        "frequency",
        "how often, when should i get a new, when to update, when to replace, when should i update, "
        "when should i replace, time for a new, new headshot, new photo, new pic, replace my, replacing, "
        "redo my headshot, how frequently, frequency, every year, every few years, how long should, "
        "how long can, "
        "interval, rule of thumb",
        "revisit every years",
        0.7,
        anchor=True,
    ),
    _c(
        "linkedin",
        "linkedin, linked in, linkdin, linkedn",
        "linkedin networks encourages",
        0.6,
    ),
    _c(
        "rules",
        "ban, banned, bans, banning, penalized, penalised, penalize, penalise, punished, get in trouble, "
        "penalty, penalties, punish, allowed, allow, rules, rule, "
        "policy, policies, "
        "tos, terms of service, against the rules, kicked, suspended, flagged, enforce, enforced, legal to, "
        "guidelines, permitted, violate",
        "guidelines enforced penalties stricter synthetic imagery",
        0.7,
    ),
    _c(
        "website",
        "website, websites, personal site, site, portfolio, portfolios, blog, homepage, about page, webpage, "
        "web page, landing page",
        "personal websites portfolios online presence",
        0.6,
    ),
    _c(
        "jobsearch",
        "job, jobs, job application, application, applying, apply, portal, resume, cv, recruiter, "
        "recruiters, "
        "hiring, employer, employers, interview, job hunt, job hunting, career",
        "job seekers employers resume career roles",
        0.5,
    ),
    _c(
        "speed",
        "time saver, timesaver, saves time, save time, saving time, fast, faster, quick, quickly, "
        "quicker, minutes, hours, time, hurry, urgent, urgently, asap, today, "
        "tonight, instant, instantly, convenient, convenience, easy, easier, hassle, schedule, scheduling, "
        "travel, deadline, last minute",
        "speed convenience minutes quickly urgently",
        0.6,
        two_sided=True,
    ),
    _c(
        "customize",
        "control, customize, customise, customization, tweak, tweaks, adjust, adjustments, change, changes, "
        "choose the, pick the, tailor, background, backdrop, outfit, clothes, style, styles, "
        "lighting options, how it turns out, turns out, say in, options, flexible, flexibility, versatile, "
        "how old i look, my age, look older or younger, ethnicity, ethnic, race, skin color, "
        "look younger, younger, thinner, slimmer, my features, alter",
        "control adjust tailor customization precisely backdrop clothing style adjustments feedback final "
        "result age ethnic appearance subtle features",
        0.6,
        two_sided=True,
    ),
    _c(
        "retouch",
        "redo, redos, retake, retakes, reshoot, edit, edits, editing, retouch, retouching, "
        "touch up, touchups, "
        "photoshop, photoshopped, fix, revisions, revision, don't like, dont like, don't love, "
        "dont love, not happy, review, hate, dislike, unhappy, disappointed, not satisfied, dissatisfied",
        "review adjust retouching shots natural polished feedback adjustments",
        0.6,
    ),
    _c(
        "direction",
        "pose, poses, posing, stand, standing, where to look, how to look, direct, direction, directing, "
        "stiff, not look stiff, relaxed, at ease, comfortable, help me look, coach, coaching, "
        "guidance, guide me, tips, tell me how, nervous, awkward, camera shy, "
        "body language, expression, expressions, angle, angles, feedback",
        "coach body language facial expressions posing techniques direction guidance feedback loop",
        0.6,
    ),
    _c(
        "errors",
        "proportions, proportion, lopsided, distorted, distortion, glitch, glitchy, wonky, freaky, "
        "creepy, extra fingers, fingers, "
        "uncanny, messed up, mess up, deformed, wrong, mistakes, mistake, artifacts, artefacts, surreal, "
        "weird looking, looks off, off, eyes, teeth, ears, hands, nose, asymmetrical, warped, melted, "
        "bizarre, strange, broken, errors, error, accurate, accuracy, inaccurate",
        "errors distortions misaligned eyes uneven skin tones unnatural proportions surreal awkward off "
        "inaccuracies mistakes artificial",
        0.6,
    ),
    _c(
        "generic",
        "looks fake, look fake, looking fake, fake looking, looks artificial, look artificial, "
        "same, samey, alike, generic, cookie cutter, cookie-cutter, bland, plastic, too perfect, too smooth, "
        "smooth, airbrushed, fake looking, fake-looking, boring, soulless, stock photo, stock, template, "
        "uniform, identical, clone",
        "generic artificially perfect one-size-fits-all smooth exaggerated artificial",
        0.6,
    ),
    _c(
        "details",
        "realistic, realism, real looking, detail, details, skin, texture, lighting, light, lit, natural, "
        "lifelike, life-like",
        "realistic details skin texture natural lighting subtle",
        0.5,
    ),
    _c(
        "training",
        "upload, uploading, uploads, start with, to begin with, good photos, nice photos, decent photos, "
        "existing photos, blurry, blurred, phone, iphone, camera roll, input, inputs, reference, "
        "source photos, how many photos, bad photos, low quality, low-quality, grainy, dark photos, "
        "casual photos, snapshots, train, training, feed, need photos, photos of me, need from me, "
        "what do i need, "
        "what do they need, requirements, require, provide",
        "upload quality photos selfies casual pictures low-quality training reference images data well-lit",
        0.7,
    ),
    _c(
        "personality",
        "personality, who i am, real me, individuality, individual, character, unique, myself, "
        "the real you, soul, essence, true self, as a person, my vibe, vibe",
        "individuality personality unique expressions true reflection essence human touch",
        0.6,
    ),
    _c(
        "brand",
        "brand, branding, company, business, businesses, small business, startup, team, corporate image, "
        "identity, message, audience, image i want, authoritative, approachable, serious, friendly, "
        "confident, corporate look, creative look, come across",
        "brand alignment values identity company audience approachable authoritative creative corporate",
        0.6,
    ),
    _c(
        "industry",
        "work, what i do, industry, field, line of work, occupation, profession, my job, goals, "
        "before the shoot, "
        "before shooting, get to know, consultation, understand",
        "industry goals audience understand image project",
        0.5,
    ),
    _c(
        "audience_fit",
        "good fit, fit, suited, suitable, ideal, best for, meant for, made for, good for, target, "
        "for whom, worth it for, mainly for, mostly for, aimed at, intended for, who would use, who uses, "
        "who is this for, who benefits, benefits most, who gains, who is it good for, who should use, "
        "who are they for, who should, who uses, who are these, who is it for",
        "freelancers job seekers entrepreneurs appealing",
        0.5,
    ),
    _c(
        "disclose",
        "say my, say it's, say that it's, more honest to, be honest about, disclose, disclosure, "
        "tell people, admit, label, labeled, labelled, mention, transparent, "
        "be upfront, upfront, honest about, ethical, ethics, moral, morally, responsible, responsibly, "
        "caption, say it's ai, let people know",
        "disclose transparency",
        0.7,
    ),
    _c(
        "pros",
        "pros, pros and cons, advantages, advantage, benefits, benefit, upside, upsides, tradeoffs, "
        "trade-offs, "
        "tradeoff, good and bad, strengths, plus side, whats good about, what's good about",
        "benefits advantage strengths compelling",
        0.6,
        two_sided=True,
    ),
    _c(
        "cons",
        "cons, pros and cons, disadvantages, disadvantage, downsides, downside, drawbacks, drawback, "
        "tradeoffs, trade-offs, tradeoff, good and bad, worth considering, problem with, "
        "biggest problem, main problem, issues, "
        "issue with, wrong with, bad about, concerns, weakness, weaknesses, limitations, flaws, catch",
        "downsides concerns",
        0.6,
        two_sided=True,
    ),
    _c(
        "flattering",
        "look good, look better, look my best, flattering, flatter, best side, attractive, good looking, "
        "make me look, make you look, bring out, special, magic, secret, tricks",
        "flattering best features highlight natural true expression",
        0.6,
    ),
    _c(
        "prevent",
        "stop, prevent, avoid, keep from, get rid of, reduce, minimize, minimise, how do i fix, "
        "tips to avoid",
        "prevent select fine-tuned adjustments",
        0.6,
    ),
    _c(
        "outcome",
        "results, result, outcome, outcomes, output, outputs, end result, turn out, turns out",
        "outcomes result final",
        0.5,
    ),
    _c(
        "clients",
        "customers, customer, clients, client, patients, patient, viewers, visitors, recruiters, "
        "hiring managers, employers, colleagues, coworkers, followers, audience",
        "client employer business partner people perceivers viewing others",
        0.5,
    ),
    _c(
        "discovery",
        "figures out, figure out, find out, finds out, found out, discover, discovers, discovered, notice, "
        "notices, noticed, spot, spots, catch, caught, realize, realise, detect, detects, tell it's ai, "
        "tell its ai, can tell, called out, exposed",
        "discovery misleading harm credibility notice",
        0.6,
    ),
    _c(
        "risk",
        "risky, risk, risks, dangerous, backfire, backfires, hurt my chances, hurt me, harm, "
        "harmful, bad idea, "
        "cost me, jeopardize, dealbreaker, hold it against",
        "harm credibility deceptive doubts erode confusion undermine",
        0.6,
    ),
    _c(
        "variants",
        "different versions, versions for, variants, variant, different sites, different platforms, "
        "each platform, "
        "every platform, multiple platforms, sizes for, formats for, one for each",
        "platform-specific variants displayed linkedin resume portfolio gallery",
        0.6,
    ),
    _c(
        "location",
        "big city, big cities, nyc, new york, london, los angeles, downtown, metro, metropolitan, urban, "
        "where i live, my area, my city",
        "major metropolitan areas high-end",
        0.6,
    ),
    _c(
        "region",
        "countries, country, culture, cultures, cultural, region, regions, regional, abroad, international, "
        "europe, asia, africa, overseas, locally, where you live",
        "region norms field expect",
        0.6,
    ),
    _c(
        "future",
        "tougher, stricter, strict, crack down, cracking down, later, later on, future, eventually, someday, "
        "one day, change the rules, going forward, in the future",
        "future guidelines stricter",
        0.7,
    ),
    _c(
        "approach",
        "approach, overall, strategy, best way, smartest, wisest, what should i do, verdict, bottom line, "
        "final answer, in the end, all things considered",
        "optimal approach blends thoughtfully strategically gold standard",
        0.6,
        two_sided=True,
    ),
    _c(
        "turnaround",
        "how long, take long, takes long, time consuming, time-consuming, turnaround, wait, waiting, "
        "how quickly, same day",
        "minutes scheduling traveling waiting post production",
        0.6,
    ),
    _c(
        "overview",
        "what do you think, thoughts on, your thoughts, opinion, overview, in general, generally, summary, "
        "sum up, tell me about, explain, good idea, any good, should i get, should i use, is it worth, "
        "the deal with, whats the deal",
        "trade-offs weigh carefully convenient authenticity perception downsides significant",
        0.5,
        two_sided=True,
    ),
    _c(
        "access",
        "democratization, democratize, access, accessible, barriers, barrier, excluded, exclusion, "
        "cant afford, can't afford, everyone, anyone, inclusive, low income, poor",
        "democratization excluded barriers bridge empowers reach",
        0.6,
    ),
    _c(
        "reasons",
        "why would, why do people, why choose, why pick, why use, why go, reasons, reason, appeal, "
        "appealing, "
        "point of, whats the point, what's the point, why bother",
        "benefits advantage appealing compelling strengths",
        0.5,
    ),
    _c(
        "complement",
        "alongside, pair, combine, together with, along with, samples, testimonials, credibility boost, "
        "back it up, make it credible, believable, more believable, more credible, more trustworthy, "
        "best practices, best practice, tips for using, how to use, how should i use, use it responsibly, "
        "come across as genuine, do it right, come off as fake, come across as fake, not come off, "
        "not look fake, "
        "less fake, seem real, "
        "more authentic, look legit",
        "pair authentic content writing work samples testimonials reinforce credibility guidelines "
        "responsible disclose",
        0.6,
    ),
)

GENERIC_CONCEPTS = frozenset(c.name for c in CONCEPTS if c.generic)


@dataclass(frozen=True)
class Uncovered:
    topic: str  # how the decline names it: "The documents don't cover {topic}."
    triggers: tuple[str, ...]


def _u(topic: str, triggers: str) -> Uncovered:
    return Uncovered(topic, tuple(t.strip() for t in triggers.split(",") if t.strip()))


UNCOVERED: tuple[Uncovered, ...] = (
    _u(
        "camera settings or photo technique",
        "camera settings, how do i take, how to take, how can i take, take a good, take better, take my own, "
        "diy headshot, light my face, lighting setup, how to light, how should i light, how do i light, "
        "window light, time of day, golden hour, outdoor, outdoors, indoors, "
        "good background, what background, which background, best background, background color should, "
        "which camera, what camera, best camera, camera model, camera to use, "
        "settings, lights, set up my, setup, lighting kit, aperture, shutter, iso, f-stop, fstop, "
        "lens, lenses, focal, mm, tripod, "
        "dslr, mirrorless, flash, softbox, exposure, white balance, raw, megapixel, megapixels, ring light",
    ),
    _u(
        "what to wear or how to style yourself",
        "wear, wearing, blazer, suit, tie, shirt, dress, jacket, glasses, makeup, make-up, hair, haircut, "
        "jewelry, jewellery, beard, shave, colors to wear, colour to wear, outfit for",
    ),
    _u(
        "ID documents such as passports",
        "passport, passports, visa, driver's license, drivers license, driving licence, license photo, "
        "drivers licence, driver's licence, licence photo, id, ids, student id, id photo, badge, "
        "identification, id card, national id, green card, "
        "official id, government id, dmv",
    ),
    _u(
        "data privacy or what the services do with your photos",
        "safe with, are my photos safe, is it safe to upload, safe to upload, sell your, sell our, "
        "sell photos, "
        "sell the photos, train on my, trained on my, use my photos, use my selfies, "
        "do with my photos, happens to my photos, "
        "privacy, private, data, gdpr, delete, deleted, deletion, keep my, store my, stored, sell my, "
        "my selfies after, retention, consent, secure, security, hacked, leak, leaked",
    ),
    _u(
        "image sizes, cropping or printing",
        "file format, what format, which format, jpg, jpeg, png, heic, pixels, pixel, px, crop, "
        "right size, the size, size of, size for, "
        "cropping, cropped, "
        "print, printing, printed, business card, flyer, poster, "
        "dimensions, dimension, resolution, dpi, file size, aspect ratio, 400x400, "
        "crop size, how big, size should, what size",
    ),
    _u(
        "which app or service to buy",
        "best ai headshot generator, best generator, best headshot generator, which site, best site, "
        "which website, do you recommend, you recommend, which company, best company, recommend me, "
        "recommend a, recommend any, recommendations for, suggest an app, suggest a, "
        "which app, best app, which service, best service, which tool, best tool, which one is best, "
        "which is best, recommend an app, recommend a service, headshotpro, aragon, betterpic, "
        "try it on, tryitonai, secta, dreamwave, photoai, remini, lensa, prices of apps",
    ),
    _u(
        "posing or expression tips",
        "how should i stand, how do i stand, should i stand, good pose, best pose, pose for, "
        "full body, look less tired, less tired, tired eyes, "
        "eye bags, bags under, double chin, photogenic, "
        "look good in photos, look better in photos, should i smile, smile with teeth, "
        "smile or not, teeth showing, which side is my best, "
        "how should i pose, how do i pose, what pose",
    ),
    _u(
        "that platform (the documents discuss LinkedIn, personal websites and job applications)",
        "slack, discord, zoom, microsoft teams, ms teams, instagram, tiktok, facebook, twitter, "
        "tinder, bumble, hinge, "
        "gmail, google account, outlook, github, gravatar, telegram, reddit, pinterest, mastodon, bluesky, "
        "dating, dating app, dating profile, whatsapp, snapchat, youtube, twitch",
    ),
    _u(
        "making, editing or booking pictures for you",
        "make me a, make me one, generate me, create me, can you make, can you generate, can you create, "
        "can you edit, photo editor, editor, editing app, lightroom, facetune, snapseed, gimp, canva, "
        "how do i upload, how to upload, how do i change my, how to change my, how do i set, how do i add, "
        "book me, schedule me, find me a photographer, find a photographer, photographer near me, near me, "
        "remove the background, remove background, background remover, photoshop tutorial, "
        "how to edit, how do i edit",
    ),
    _u(
        "the rest of a LinkedIn profile (headline, summary, connections)",
        "headline, summary section, more connections, get connections, followers count, endorsements, "
        "about section, banner",
    ),
    _u(
        "booking logistics with a photographer",
        "late, shows up late, cancel, cancellation, reschedule, deposit, contract, no-show, no show, "
        "booking fee, tip the photographer, tipping",
    ),
    _u(
        "writing or other tasks",
        "energy, environment, environmental, carbon, climate, electricity, write me, poem, essay, "
        "story about, song, code, translate, joke, recipe, weather, homework",
    ),
    _u(
        "colour or black-and-white choices",
        "black and white, b&w, monochrome, grayscale, greyscale, in color or, in colour or",
    ),
    _u(
        "copyright, refunds, lawsuits or who owns the images",
        "copyright, copyrighted, sue, suing, lawsuit, liability, liable, refund, refunds, "
        "own the rights, ownership, license, licence, royalty, commercial use",
    ),
    _u(
        "account or password help",
        "password, login, log in, sign in, account, reset my, 2fa, two factor, username, locked out",
    ),
)

TYPOS: dict[str, str] = {
    # stems that collide with a different topic ("customers" and "customization" both stem to "custom")
    "customers": "clients",
    "customer": "client",
    "linkdin": "linkedin",
    "linkedn": "linkedin",
    "linkin": "linkedin",
    "lnkedin": "linkedin",
    "photog": "photographer",
    "photogs": "photographers",
    "fotographer": "photographer",
    "pic": "photo",
    "pics": "photos",
    "pfp": "photo",
    "headshoot": "headshot",
    "hedshot": "headshot",
    "protrait": "portrait",
    "proffesional": "professional",
    "profesional": "professional",
    "proffessional": "professional",
    "cheep": "cheap",
    "expencive": "expensive",
    "expensiv": "expensive",
    "wierd": "weird",
    "trustworthy": "trust",
    "u": "you",
    "ur": "your",
    "r": "are",
    "y": "why",
    "pls": "please",
    "w": "with",
    "b4": "before",
    "yrs": "years",
    "yr": "year",
    "tho": "though",
    "thru": "through",
    "gen": "generated",
}

GLOSSARY: dict[str, str] = {
    # Spanish
    "cuanto": "how much",
    "cuesta": "cost",
    "cuestan": "cost",
    "precio": "price",
    "precios": "price",
    "barato": "cheap",
    "caro": "expensive",
    "retrato": "portrait",
    "retratos": "portrait",
    "foto": "photo",
    "fotos": "photos",
    "fotografia": "photo",
    "fotografo": "photographer",
    "fotografos": "photographers",
    "ia": "ai",
    "profesional": "professional",
    "profesionales": "professional",
    "confianza": "trust",
    "confiar": "trust",
    "enganoso": "deceptive",
    "desconfianza": "distrust",
    "desconfiar": "distrust",
    "honesto": "honest",
    "actualizar": "update",
    "anos": "years",
    "viejo": "old",
    "vieja": "old",
    "medico": "doctor",
    "enfermera": "nurse",
    "abogado": "lawyer",
    "gobierno": "government",
    "sitio": "website",
    "web": "website",
    "rapido": "fast",
    "ventajas": "advantages",
    "desventajas": "disadvantages",
    "hecho": "made",
    "malo": "bad",
    "mala": "bad",
    "bueno": "good",
    "hola": "hello",
    "camara": "camera model",
    "pasaporte": "passport",
    "ropa": "clothes to wear",
    "vestir": "wear",
    "privacidad": "privacy",
    "datos": "data",
    # French
    "combien": "how much",
    "appareil": "camera model",
    "passeport": "passport",
    "porter": "wear",
    "donnees": "data",
    "coute": "cost",
    "prix": "price",
    "cher": "expensive",
    "photographe": "photographer",
    "confiance": "trust",
    "avocat": "lawyer",
    "infirmiere": "nurse",
    "medecin": "doctor",
    "site": "website",
    "vieille": "old",
    "ans": "years",
    # German
    "kostet": "cost",
    "kamera": "camera model",
    "reisepass": "passport",
    "anziehen": "wear",
    "daten": "data",
    "kosten": "cost",
    "preis": "price",
    "teuer": "expensive",
    "billig": "cheap",
    "bild": "photo",
    "bewerbungsfoto": "headshot",
    "bewerbungsfotos": "headshots",
    "fotograf": "photographer",
    "vertrauen": "trust",
    "ki": "ai",
    "anwalt": "lawyer",
    "arzt": "doctor",
    "jahre": "years",
    # Portuguese / Italian overlaps
    "quanto": "how much",
    "custa": "cost",
    "costa": "cost",
}

FOREIGN_MARKERS = _wordset(
    """
el la los las un una unos unas de del que con por para es son como cuanto cuesta mas menos o y pero
puedo debo mi tu su hecho usar tengo esta este esto muy qué sí le les des du et est pour avec une
sont mon ma mes combien ce cette puis je vous nous der die das und ist ein eine mit fur nicht ich
sie wie viel kostet mein meine sind was kann soll
"""
)

SHOPPING = re.compile(
    r"\b(best|top|which|recommend\w*|cheapest)\b(\W+\w+){0,3}?\W+(apps?|generators?|tools?|sites?|websites?)\b",
    re.IGNORECASE,
)
"""Asking which product to use ("the best ai headshot app in 2025"): the documents name none."""

INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instruction|instructions|prompt|rules|"
    r"guidelines|directions|above|previous|prior|documents|context|sources)\b"
    r"|\bsystem\s+prompt\b|\byou\s+are\s+now\b|\bact\s+as\b|\bpretend\s+(to\s+be|you)\b|\bjailbreak\b"
    r"|\bdeveloper\s+mode\b|\bdan\s+mode\b|\bdo\s+anything\s+now\b|\bno\s+restrictions\b"
    r"|\breveal\b.{0,30}\b(prompt|instructions|secrets?|config\w*|settings|rules)\b|^\s*system\s*:"
    r"|\brespond\s+only\s+with\b|\bsay\b.{0,60}\band\s+nothing\s+else\b|\bnew\s+task\b"
    r"|\b(print|show|repeat|output)\b.{0,30}\b(your|the)\s+(prompt|instructions|system)\b"
    r"|\bnew\s+instructions?\b|\bfrom\s+now\s+on\b",
    re.IGNORECASE | re.DOTALL,
)
