// NLP.js ships no type declarations; these are the stemmers we use.
declare module "@nlpjs/lang-en-min" {
  export class StemmerEn { stem(word: string): string }
}
declare module "@nlpjs/lang-ru" {
  export class StemmerRu { stem(word: string): string }
}
