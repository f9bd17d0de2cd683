// Cue words a linguist would list for each kind of message, in English and Russian, as *features*
// of the local engine (the model learns how much each is worth, and in which company): a cue never
// decides on its own. Matched on lower-cased text; Russian cues are stems, so they match endings.
// Written from the languages themselves, not from the corpus.

export const CUES: Record<string, RegExp> = {
  approve: /\b(approv\w*|sign(ed|ing)?[- ]?off|go[- ]ahead|green[- ]?light|greenlit|ok to (go|proceed|launch)|okay to proceed|are we good|good to go|accept(ance)?|confirm\w*|authori[sz]\w*|your (ok|okay|yes|decision|go)|yes\/no|go\/no[- ]go)\b|утверд\w*|соглас(уй|ов|уе|ие)\w*|подтверд\w*|одобр\w*|(дай|даё|дае|дадите)\w* добро|акцепт\w*|подпиш\w*|подписа\w*|визир\w*|ваше решение|да\/нет/u,
  ask: /\?|\b(please|pls|plz|could you|can you|would you|will you|let (us|me) know|send (us|me)|share|need (your|from you)|waiting for|awaiting|remind\w*|follow(ing)?[- ]up|kindly|when can|which (one|option))\b|пожалуйста|пжл|подскаж\w*|пришл\w*|скин\w*|напиш\w*|дайте знать|сообщите|ждём|ждем|напомина\w*|прошу|просим|ответьте|ваш\w* ответ\w*|когда (сможете|будет)|какой вариант/u,
  extra: /\b(also|additional(ly)?|extra|another|one more|as well|too|include|add(ing|ed)?|on top|beyond|more than (agreed|planned|in the contract)|not in (the )?(contract|scope|sow|spec|estimate)|outside (the )?scope|out of scope|change request|while you'?re at it|could we get|can we get)\b|ещё|еще|дополнительн\w*|добав\w*|также|тоже|сверх|помимо|вне (скоуп|рамок|тз|договор)\w*|не (было|входил\w*) в (тз|договор|смет)\w*|доработ\w*|расшир\w*|плюсом/u,
  newbiz: /\b(another (site|app|website|store|project|office|portal|brand)|second (site|app|website|store|phase|project|office|brand)|next phase|phase (2|two|ii)|new (project|app|site|website|market|office|country|branch|subsidiary|brand)|subsidiar\w*|branch(es)?|sister (company|brand)|our (other|parent|group) (company|companies|team)|colleague|referr\w*|recommend(ed)? you|introduce you|retainer|ongoing support|maintenance (plan|contract)|support (plan|contract)|quote|proposal|estimate for|same (thing|portal|site|app|for)|roll (it )?out to|expan(d|sion)|android|ios)\b|ещё од(ин|ну|но)|второ\w* (сайт|приложени|этап|проект|офис|бренд)|следующ\w* (этап|фаз)|нов\w* (проект|сайт|приложени|офис|рынок|филиал|направлени)|филиал\w*|дочерн\w*|коллег\w*|порекоменд\w*|рекоменд\w* вас|познаком\w*|абонент\w*|сопровожден\w*|техподдержк\w*|поддержк\w* на постоянн\w*|коммерческ\w* предложени\w*|кп(?![\p{L}\p{N}])|смет\w* на|то же самое|такой же|такую же|такое же|андроид|масштаб\w*/u,
  negation: /\b(no need|not needed|don'?t need|do not need|no longer|not (going|planning) to|won'?t|never mind|nothing (needed|to do)|no action|fyi|for your information|just (so you know|a heads[- ]up)|cancel\w*|scrap\w*|on hold)\b|не нужн\w*|не надо|не требуется|не обязательно|отбой|неактуальн\w*|для информации|к сведению|отменя\w*|отмени\w*|на паузе/u,
  done: /\b(approved|signed off|confirmed|agreed|done|deployed|released|shipped|live now|is live|went live|fixed|resolved|completed|thanks for (approving|signing|confirming))\b|утвердил\w*|согласовал\w*|подтвердил\w*|готово|выкатил\w*|задеплоил\w*|исправил\w*|починил\w*|сделал\w*|закрыл\w*/u,
  positive: /\b(thanks?|thank you|thx|great|perfect|love|loved|happy|awesome|excellent|amazing|brilliant|appreciate\w*|well done|good job|impressed|fantastic|nice|wonderful|delighted)\b|спасибо|благодар\w*|отличн\w*|супер|класс\w*|круто|прекрасн\w*|молодцы|рады|довольн\w*|здорово|огонь/u,
  negative: /\b(disappoint\w*|unhappy|frustrat\w*|annoy\w*|unacceptable|angry|upset|worried|concern\w*|delay\w*|late|again|still (not|no|broken)|why (is|are|has|hasn'?t|isn'?t|did)|problem\w*|broken|bug\w*|poor|terrible|awful|ridiculous|waste|missed|third time|how many times|escalat\w*|complain\w*)\b|недоволь\w*|плохо|опять|снова|задерж\w*|сорва\w*|сорвал\w*|срыв\w*|проблем\w*|сломал\w*|не работает|возмут\w*|разочаров\w*|неприемлем\w*|сколько можно|третий раз|который раз|ужасн\w*|жалоб\w*/u,
};

/** The cue features of a text: one per cue family that occurs, plus pairs that change meaning (a cue next to a negation). */
export function cueFeatures(text: string): string[] {
  const t = text.toLowerCase().replace(/ё/g, "е");
  const hit = Object.entries(CUES).filter(([, re]) => re.test(t)).map(([k]) => k);
  const out = hit.map((k) => `cue:${k}`);
  if (hit.includes("negation")) for (const k of hit) if (k !== "negation") out.push(`cue:${k}+negation`);
  if (hit.includes("done")) for (const k of hit) if (k !== "done") out.push(`cue:${k}+done`);
  return out;
}
