/**
 * Question cues: a question's wh-word says what kind of sentence answers it
 * (who → a person, when → a date, where → a place, how many/much → a number).
 * A sentence that has what the question asks for, beyond what the question already says,
 * gets a small boost.
 */

export type Cue = "person" | "date" | "place" | "number" | "reason";

const CUE_PATTERNS: readonly [RegExp, Cue][] = [
  [/\bhow (many|much|long|old|far|large|big|tall|high)\b|\bwhat (percentage|number|amount)\b/i, "number"],
  [/\bwhen\b|\bwhat (year|date|day|month|time|century|decade)\b|\bwhich year\b/i, "date"],
  [/\bwhere\b|\bwhat (country|city|place|region|state)\b|\bwhich (country|city|state)\b/i, "place"],
  [/\bwho(m|se)?\b|\bwhat (person|name)\b/i, "person"],
  [/\bwhy\b/i, "reason"],
];

/** The cues of a question; empty when its form says nothing about the answer. */
export function questionCues(question: string): Cue[] {
  return CUE_PATTERNS.filter(([re]) => re.test(question)).map(([, cue]) => cue);
}

const MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December";
const DATE = new RegExp(
  `\\b(?:1[5-9]\\d\\d|20\\d\\d)s?\\b|\\b(?:${MONTHS})\\b|\\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\\b|\\bcentury\\b`,
  "g",
);
const NUMBER =
  /\d+(?:[.,]\d+)*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen)s?\b/gi;
const PLACE = /\b(?:in|at|to|from|near)\s+(?:the\s+)?([A-Z][\p{L}-]+)/gu;
const PERSON = /\b[A-Z][\p{Ll}]+(?:\s+(?:[A-Z]\.\s*)?[A-Z][\p{Ll}'’-]+)+/gu;

const REASON =
  /\b(?:because|due to|since|as a result|in order to|so that|so as to|owing to|thanks to|led to|caused by|result of|reason)\b/gi;

const CUE_TESTS: Record<Cue, RegExp> = {
  date: DATE,
  number: NUMBER,
  place: PLACE,
  person: PERSON,
  reason: REASON,
};

/**
 * The boost (a fraction of the score) a sentence earns by having what the question asks for:
 * a person, date, place or number that the question itself does not already name.
 */
export function cueBoost(cues: readonly Cue[], sentence: string, question: string, weight = 0.15): number {
  return cueBoostLowered(cues, sentence, question.toLowerCase(), weight);
}

/** `cueBoost` with the question already lower-cased, for scoring many sentences against one question. */
export function cueBoostLowered(
  cues: readonly Cue[],
  sentence: string,
  asked: string,
  weight = 0.15,
): number {
  let boost = 0;
  for (const cue of cues) {
    // The patterns are global and shared: searched with exec from 0, and left at 0.
    const re = CUE_TESTS[cue];
    re.lastIndex = 0;
    for (let m = re.exec(sentence); m !== null; m = re.exec(sentence)) {
      const found = (m[1] ?? m[0]).toLowerCase();
      if (!asked.includes(found)) {
        boost += weight;
        break;
      }
    }
    re.lastIndex = 0;
  }
  return boost;
}

/**
 * Words that only give a question its form ("Name one of…", "What is the name of…", "What type of…",
 * "What is another term for…", "an example of…"): they say how the answer is asked for, not what it is
 * about, so matching them in a sentence is noise. Each pattern's first group is the form word.
 */
export const QUESTION_FORMS: readonly RegExp[] = [
  /^\W*(?:please\s+)?(name|list|give)\s+(?:one|an?|two|three|four|five|some|any|all|the|several)\b/i,
  /\b(?:what|which)\s+(?:is|was|are|were)\s+(?:the\s+|an?\s+|its\s+|his\s+|her\s+|their\s+)?(?:(?:first|last|full|official|other|another|common|technical|formal|usual|proper|original)\s+)?(names?|terms?|words?)\s+(?:of|for|given|used)\b/i,
  /\b(?:what|which)\s+(?:is|was|are|were)\s+(?:the\s+|an?\s+)?(?:other|another)\s+(names?|terms?|words?)\b/i,
  /\b(?:what|which)\s+(?:other\s+)?(types?|kinds?|sorts?|forms?)\s+of\b/i,
  /\b(?:the|a|an)\s+(?:last|first|full)?\s*(names?)\s+of\b/i,
  /\b(?:is|are|was|were|of|give|name)\s+(?:an?\s+|one\s+)?(examples?)\s+of\b/i,
];

/**
 * The question with its form words (see QUESTION_FORMS) blanked out, same length, so that only
 * the words about its subject are searched for.
 *
 * @example questionContent("Name one of the causes of immunodeficiency.") // "     one of the causes of immunodeficiency."
 */
export function questionContent(question: string): string {
  let out = question;
  for (const re of QUESTION_FORMS) {
    const m = re.exec(out);
    if (!m || m[1] === undefined) continue;
    const at = m.index + m[0].indexOf(m[1]);
    out = out.slice(0, at) + " ".repeat(m[1].length) + out.slice(at + m[1].length);
  }
  return out;
}
