/** Month abbreviations as news copy writes them (`Feb. 26`, `Sept. 3`), lower case, without the dot. */
export const MONTH_ABBREVIATIONS: readonly string[] = [
  "jan",
  "feb",
  "mar",
  "apr",
  "jun",
  "jul",
  "aug",
  "sep",
  "sept",
  "oct",
  "nov",
  "dec",
];
