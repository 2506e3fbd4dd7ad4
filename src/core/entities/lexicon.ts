/**
 * Word knowledge for entity extraction: compromise's lexicon (first names, surnames, places,
 * organisations, demonyms) plus the short lists news text needs (titles, speech verbs, groups).
 */
import nlp from "compromise";
import { MONTH_ABBREVIATIONS } from "../months.ts";

type Tags = string | string[] | undefined;

interface CompromiseModel {
  one: { lexicon: Record<string, Tags> };
  two: { orgWords?: Record<string, boolean>; placeWords?: Record<string, boolean> };
}

const model = nlp.model() as unknown as CompromiseModel;
const lexicon = model.one.lexicon;
const ORG_WORDS_NLP = model.two.orgWords ?? {};
const PLACE_WORDS_NLP = model.two.placeWords ?? {};

const NO_TAGS: readonly string[] = [];
const tagMap = new Map<string, readonly string[]>();
for (const [word, t] of Object.entries(lexicon)) {
  if (t !== undefined) tagMap.set(word, Array.isArray(t) ? t : [t]);
}

function tagsOf(word: string): readonly string[] {
  return tagMap.get(word) ?? NO_TAGS;
}

function memo(fn: (word: string) => boolean): (word: string) => boolean {
  const cache = new Map<string, boolean>();
  return (word) => {
    let v = cache.get(word);
    if (v === undefined) {
      v = fn(word);
      if (cache.size > 200_000) cache.clear();
      cache.set(word, v);
    }
    return v;
  };
}

/** True when compromise's lexicon gives `word` (lower case) one of `tags`. */
export function lexHas(word: string, ...tags: string[]): boolean {
  const t = tagsOf(word);
  return t.some((x) => tags.includes(x));
}

/** Whether the lowercase word is in compromise's lexicon at all. */
export function lexKnown(word: string): boolean {
  return tagMap.has(word);
}

export function isFirstName(word: string): boolean {
  return lexHas(word, "MaleName", "FemaleName", "FirstName");
}

export function isFemaleName(word: string): boolean {
  return lexHas(word, "FemaleName") && !lexHas(word, "MaleName");
}

export function isMaleName(word: string): boolean {
  return lexHas(word, "MaleName") && !lexHas(word, "FemaleName");
}

export function isLastName(word: string): boolean {
  return lexHas(word, "LastName");
}

/** A place in compromise's lexicon (country, city, region), plus a few it lacks. */
export function isPlaceWord(word: string): boolean {
  return lexHas(word, "Country", "City", "Region", "Place") || EXTRA_PLACES.has(word);
}

/** A word that may stand alone as someone's surname ("Putin", "Sharaa"), not a common or title word. */
export const isSurnameLike = memo((word: string): boolean => {
  if (word.length < 2 || /\d/.test(word)) return false;
  if (ROLE_HEADS.has(word) || ROLE_MODIFIERS.has(word) || HONORIFICS.has(word)) return false;
  if (isOrgSuffix(word) || isPlaceSuffix(word) || isCalendarWord(word) || isDemonym(word)) return false;
  if (isLastName(word)) return true;
  return !isCommonWord(word) && !isPlaceWord(word) && !isOrgWord(word);
});

export function isCountry(word: string): boolean {
  return lexHas(word, "Country") || COUNTRY_EXTRA.has(word);
}

export function isOrgWord(word: string): boolean {
  return lexHas(word, "Organization", "SportsTeam") || EXTRA_ORGS.has(word);
}

/** Last word of an organisation name ("Group", "Bank", "Ministry"…). */
export function isOrgSuffix(word: string): boolean {
  return ORG_WORDS_NLP[word] === true || ORG_SUFFIX_EXTRA.has(word);
}

/** Last word of a place name ("River", "Island", "Street"…). */
export function isPlaceSuffix(word: string): boolean {
  return PLACE_WORDS_NLP[word] === true || PLACE_SUFFIX_EXTRA.has(word);
}

export function isDemonym(word: string): boolean {
  return (
    (lexHas(word, "Demonym") && !lexHas(word, "Plural")) ||
    DEMONYM_EXTRA.has(word) ||
    Object.hasOwn(DEMONYM_COUNTRY, word)
  );
}

/** A people named as a group: `Druze`, `Kurds`, `Russians`. */
export function isGroupWord(word: string): boolean {
  return GROUPS.has(word) || (lexHas(word, "Plural") && lexHas(word, "Demonym") && !lexHas(word, "Country"));
}

/** Function words and calendar words that never start a name. */
export function isFunctionWord(word: string): boolean {
  return (
    NON_NAME.has(word) ||
    lexHas(word, "Determiner", "Preposition", "Conjunction", "Pronoun", "Modal", "QuestionWord", "Adverb")
  );
}

export function isCalendarWord(word: string): boolean {
  return lexHas(word, "WeekDay", "Month") || CALENDAR.has(word);
}

/** A common word at a sentence start (capitalised only because it starts the sentence). */
export const isCommonWord = memo((word: string): boolean => {
  if (isFunctionWord(word) || isCalendarWord(word)) return true;
  const t = tagsOf(word);
  if (t.length === 0) return COMMON_EXTRA.has(word);
  const proper = ["MaleName", "FemaleName", "FirstName", "LastName", "Person", "Country", "City", "Region"];
  if (t.some((x) => proper.includes(x))) return false;
  return !t.some((x) => x === "Organization" || x === "Place" || x === "ProperNoun" || x === "SportsTeam");
});

const EXTRA_PLACES = new Set([
  "moscow",
  "damascus",
  "kremlin",
  "gaza",
  "kyiv",
  "kiev",
  "crimea",
  "donbas",
  "aleppo",
  "idlib",
  "homs",
  "latakia",
  "europe",
  "asia",
  "africa",
  "america",
  "britain",
  "england",
  "scotland",
  "wales",
  "us",
  "usa",
  "uk",
  "washington",
  "brussels",
  "westminster",
  "whitehall",
]);
const COUNTRY_EXTRA = new Set(["us", "usa", "uk", "britain", "england", "scotland", "wales", "america"]);
const EXTRA_ORGS = new Set([
  "un",
  "eu",
  "nato",
  "opec",
  "imf",
  "fbi",
  "cia",
  "bbc",
  "reuters",
  "hamas",
  "hezbollah",
  "taliban",
  "google",
  "microsoft",
  "sec",
  "fifa",
  "uefa",
  "gatt",
  "wto",
]);
const ORG_SUFFIX_EXTRA = new Set([
  "ministry",
  "inc",
  "ltd",
  "plc",
  "corp",
  "co",
  "llc",
  "ag",
  "sa",
  "nv",
  "bhd",
  "holdings",
  "industries",
  "motors",
  "airways",
  "airlines",
  "bancorp",
  "partners",
  "securities",
  "exchange",
  "parliament",
  "senate",
  "congress",
  "court",
  "police",
  "office",
  "party",
  "forces",
  "front",
  "movement",
  "union",
  "institute",
  "university",
  "agency",
  "service",
  "services",
  "times",
  "post",
  "journal",
  "news",
  "telegraph",
  "guardian",
  "reserve",
  "treasury",
  "organisation",
  "organization",
  "democrat",
  "democrats",
  "socialists",
  "liberals",
  "conservatives",
]);
const PLACE_SUFFIX_EXTRA = new Set(["street", "road", "avenue", "square", "province", "county", "state"]);
const DEMONYM_EXTRA = new Set([
  "british",
  "us",
  "english",
  "scottish",
  "welsh",
  "irish",
  "european",
  "arab",
  "kurdish",
]);
const GROUPS = new Set([
  "druze",
  "bedouin",
  "bedouins",
  "kurds",
  "alawites",
  "alawite",
  "sunnis",
  "shiites",
  "shias",
  "yazidis",
  "christians",
  "muslims",
  "jews",
  "hindus",
  "sikhs",
  "palestinians",
  "israelis",
  "rohingya",
  "uighurs",
  "uyghurs",
  "tamils",
  "maoists",
  "democrats",
  "republicans",
  "conservatives",
  "tories",
]);
const NON_NAME = new Set([
  "the",
  "a",
  "an",
  "he",
  "she",
  "it",
  "they",
  "we",
  "i",
  "you",
  "his",
  "her",
  "its",
  "their",
  "our",
  "this",
  "that",
  "these",
  "those",
  "there",
  "here",
  "but",
  "and",
  "or",
  "if",
  "as",
  "at",
  "in",
  "on",
  "of",
  "for",
  "to",
  "by",
  "with",
  "from",
  "after",
  "before",
  "while",
  "when",
  "where",
  "why",
  "how",
  "what",
  "who",
  "some",
  "many",
  "most",
  "all",
  "both",
  "each",
  "other",
  "such",
  "mr",
  "mrs",
  "ms",
  "dr",
  "no",
  "yes",
  "not",
  "so",
  "yet",
  "also",
  "however",
  "meanwhile",
  "according",
  "following",
  "despite",
]);
const CALENDAR = new Set([
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
  ...MONTH_ABBREVIATIONS,
  "christmas",
  "easter",
]);
const COMMON_EXTRA = new Set([
  "earlier",
  "later",
  "last",
  "next",
  "shares",
  "sales",
  "prices",
  "analysts",
  "officials",
  "talks",
  "showers",
  "arrivals",
  "sources",
  "traders",
  "dealers",
]);

/** Courtesy titles: stripped from names, never a role. */
export const HONORIFICS = new Set([
  "mr",
  "mrs",
  "ms",
  "miss",
  "dr",
  "sir",
  "dame",
  "lord",
  "lady",
  "prof",
  "professor",
  "rev",
  "mme",
  "m",
  "herr",
  "sheikh",
  "gen",
  "col",
  "lt",
  "maj",
  "capt",
  "sgt",
  "adm",
  "sen",
  "rep",
  "gov",
  "pres",
  "cllr",
  "insp",
  "supt",
  "det",
]);

/** Words heading a role ("President", "chief executive", "spokesman"). */
export const ROLE_HEADS = new Set([
  "president",
  "minister",
  "premier",
  "chancellor",
  "secretary",
  "leader",
  "king",
  "queen",
  "prince",
  "princess",
  "emperor",
  "emir",
  "sultan",
  "pope",
  "ayatollah",
  "chairman",
  "chairwoman",
  "chair",
  "executive",
  "ceo",
  "cfo",
  "spokesman",
  "spokeswoman",
  "spokesperson",
  "director",
  "governor",
  "senator",
  "congressman",
  "congresswoman",
  "mp",
  "ambassador",
  "envoy",
  "general",
  "commander",
  "mayor",
  "judge",
  "justice",
  "official",
  "officer",
  "head",
  "chief",
  "predecessor",
  "successor",
  "founder",
  "owner",
  "analyst",
  "economist",
  "manager",
  "coach",
  "captain",
  "striker",
  "midfielder",
  "defender",
  "goalkeeper",
  "boss",
  "dictator",
  "ruler",
  "monarch",
  "strongman",
  "negotiator",
  "adviser",
  "advisor",
  "commissioner",
  "lawyer",
  "attorney",
  "professor",
  "singer",
  "actor",
  "actress",
  "star",
  "player",
  "champion",
  "deputy",
]);

/** Words that modify a role head ("Deputy", "Prime", "Foreign", "former"). */
export const ROLE_MODIFIERS = new Set([
  "deputy",
  "vice",
  "prime",
  "foreign",
  "finance",
  "defence",
  "defense",
  "interior",
  "economy",
  "economic",
  "energy",
  "trade",
  "health",
  "justice",
  "home",
  "state",
  "former",
  "ex",
  "acting",
  "interim",
  "chief",
  "executive",
  "senior",
  "junior",
  "general",
  "supreme",
  "managing",
  "financial",
  "operating",
  "opposition",
  "party",
  "labour",
  "conservative",
  "democratic",
  "republican",
  "new",
  "late",
  "then",
  "outgoing",
  "incoming",
  "rebel",
  "military",
  "army",
  "national",
  "central",
  "bank",
  "company",
  "group",
  "club",
  "team",
  "union",
  "transitional",
  "president",
  "and",
  "of",
]);

/** Titles of heads of state or government: what "the Russian leader" may refer to. */
export const LEADER_TITLES = new Set([
  "president",
  "premier",
  "chancellor",
  "leader",
  "king",
  "queen",
  "emperor",
  "emir",
  "sultan",
  "ruler",
  "dictator",
  "monarch",
  "strongman",
  "predecessor",
  "successor",
  "ayatollah",
]);

/** Verbs that attribute speech. */
export const SPEECH_VERBS = new Set([
  "said",
  "says",
  "say",
  "told",
  "tells",
  "added",
  "adds",
  "stated",
  "states",
  "insisted",
  "insists",
  "claimed",
  "claims",
  "claiming",
  "called",
  "calls",
  "expressed",
  "affirmed",
  "noted",
  "argued",
  "warned",
  "declared",
  "explained",
  "announced",
  "asked",
  "replied",
  "wrote",
  "writes",
  "stressed",
  "urged",
  "vowed",
  "promised",
  "predicted",
  "admitted",
  "acknowledged",
  "commented",
  "remarked",
  "suggested",
  "conceded",
  "confirmed",
  "denied",
  "maintained",
  "described",
  "quipped",
  "recalled",
  "continued",
  "saying",
  "adding",
  "telling",
]);

/** Lower-case particles inside names (`Bashar al-Assad`, `Ludwig van Beethoven`). */
export const NAME_PARTICLES = new Set([
  "al",
  "el",
  "ad",
  "ash",
  "bin",
  "ibn",
  "van",
  "von",
  "de",
  "da",
  "di",
  "du",
  "der",
  "den",
  "le",
  "la",
  "del",
  "della",
  "dos",
  "das",
  "ter",
  "bint",
]);

/** Irregular demonym ↔ country pairs (regular ones match by prefix: Russian ↔ Russia). */
const DEMONYM_COUNTRY: Record<string, string[]> = {
  chinese: ["china"],
  british: ["britain", "uk", "united kingdom", "england", "scotland", "wales"],
  english: ["england"],
  german: ["germany"],
  french: ["france"],
  dutch: ["netherlands", "holland"],
  swiss: ["switzerland"],
  greek: ["greece"],
  turkish: ["turkey", "turkiye"],
  spanish: ["spain"],
  polish: ["poland"],
  swedish: ["sweden"],
  danish: ["denmark"],
  finnish: ["finland"],
  welsh: ["wales"],
  scottish: ["scotland"],
  irish: ["ireland"],
  filipino: ["philippines"],
  saudi: ["saudi arabia"],
  us: ["us", "usa", "united states", "america"],
  american: ["us", "usa", "united states", "america"],
  israeli: ["israel"],
  thai: ["thailand"],
  japanese: ["japan"],
  vietnamese: ["vietnam"],
  lebanese: ["lebanon"],
  portuguese: ["portugal"],
  norwegian: ["norway"],
  peruvian: ["peru"],
  iraqi: ["iraq"],
  kuwaiti: ["kuwait"],
  qatari: ["qatar"],
  pakistani: ["pakistan"],
  bangladeshi: ["bangladesh"],
  omani: ["oman"],
  emirati: ["uae", "united arab emirates"],
};

/**
 * A place-or-nationality word reduced to a comparable "nation" key:
 * `Russian`, `Russia`, `Russia's` → `russia`.
 */
export function nationKey(word: string): string | null {
  const w = word.toLowerCase();
  const irregular = DEMONYM_COUNTRY[w];
  if (irregular) return irregular[0]!;
  for (const [dem, countries] of Object.entries(DEMONYM_COUNTRY)) {
    if (countries.includes(w)) return DEMONYM_COUNTRY[dem]![0]!;
  }
  if (isCountry(w) || isPlaceWord(w)) return w;
  if (isDemonym(w)) {
    // Russian → russia, Syrian → syria, Iranian → iran, Canadian → canada
    for (const cut of [
      w.replace(/n$/, ""),
      w.replace(/an$/, ""),
      w.replace(/ian$/, "ia"),
      w.replace(/ese$/, ""),
    ]) {
      if (isCountry(cut)) return cut;
    }
    return w.replace(/(ian|an|ese|i|ish)$/, "");
  }
  return null;
}
