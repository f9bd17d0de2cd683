// NLP.js ships no type declarations; these are the stemmers we use and the classifier eval:messages -- --cv compares with.
declare module "@nlpjs/lang-en-min" {
  export class StemmerEn { stem(word: string): string }
}
declare module "@nlpjs/lang-ru" {
  export class StemmerRu { stem(word: string): string }
}
declare module "@nlpjs/neural" {
  export class NeuralNetwork {
    constructor(settings?: { log?: boolean });
    train(corpus: { input: Record<string, number>; output: Record<string, number> }[]): unknown;
    run(input: Record<string, number>): Record<string, number> | undefined;
  }
}
