"""The words that tell a report of a symptom from a question about it, and a denied symptom from a present one."""
from __future__ import annotations

import re

# Sets named *_NORMS hold normal forms (spelling fixed, dictionary form: "had" -> "have");
# sets named *_WORDS hold lower-case words exactly as typed.

# Ends a sentence: what follows is judged on its own.
SENTENCE_END_WORDS = frozenset({".", "!", "?", "...", "\u2026", "!!", "??", "?!", "!?"})
# Ends a clause: a negation or an "if" does not reach past these.
CLAUSE_END_WORDS = frozenset({",", ";", ":", "-", "\u2013", "\u2014", "(", ")", "[", "]", "but", "however",
                              "though", "although", "yet", "and", "so", "because", "cause", "coz", "cos",
                              "except", "whereas", "plus", "also", "then", "now", "lol", "pls", "please",
                              "help", "urgent"})
# "and"/"or" do not end the reach of an "if": "what if he gets a fever and a seizure".
HYPOTHETICAL_END_WORDS = frozenset({",", ";", ":", "-", "\u2013", "\u2014", "(", ")", "but", "however", "though",
                                    "although", "yet", "because", "cause", "coz", "cos"})

NEGATION_NORMS = frozenset({"no", "not", "never", "without", "none", "nor", "neither", "nobody", "deny", "denied",
                            "nothing", "nope", "nah"})
# "not sure", "no idea", "not only", "don't think": the negation is about something else.
PSEUDO_NEGATION_NEXT_NORMS = frozenset({"sure", "certain", "know", "think", "believe", "only", "just", "doubt",
                                        "idea", "clue", "tell", "wait", "matter", "long", "until", "even", "stop",
                                        "help", "want", "remember", "understand", "mean", "like", "normal", "usual",
                                        "again", "worry"})
# A negation that reaches one of these is spent there: "I'm not feeling well, ..." / "not ok".
NEGATION_SINK_NORMS = frozenset({"well", "ok", "okay", "good", "great", "right", "fine", "better", "normal",
                                 "myself", "himself", "herself", "sure", "certain", "same", "usual", "good"})
# How many words may stand between a negation and the symptom it denies ("haven't had any seizures").
NEGATION_REACH = 5
# A denial written after the symptom: "fever: no", "seizures - none".
POST_NEGATION_NORMS = frozenset({"no", "none", "nope", "nil", "never", "negative", "deny", "denied", "not", "nah"})

# Opens a hypothetical: "what should I do if I have a seizure", "in case the line leaks".
HYPOTHETICAL_NORMS = frozenset({"if", "whether", "unless", "incase", "supposing", "suppose", "hypothetically"})
# These suppose only when they open a sentence: "say my lips swell...", but not "the nurse said".
FEAR_WORDS = frozenset({"worry", "worried", "worrying", "worries", "scared", "afraid", "frightened", "terrified",
                        "nervous", "paranoid", "fear", "fears", "dread", "dreading"})
FUTURE_MODAL_WORDS = frozenset({"will", "'ll", "ll", "wo", "would", "might", "could", "may"})
SUPPOSE_OPEN_WORDS = frozenset({"say", "imagine", "if", "suppose", "supposing"})
# "not sure if", "wondering whether": the person is unsure about their own state, not supposing.
UNSURE_BEFORE_IF_NORMS = frozenset({"sure", "unsure", "certain", "uncertain", "wonder", "idk", "clue", "idea",
                                    "doubt", "whether"})
# "don't know if" / "can't tell if" is unsure; "want to know if" is a question.
KNOW_NORMS = frozenset({"know", "tell", "say", "remember", "decide", "work"})

# Someone experiencing something, written as they would write it: a report names one of these.
PERSON_PRONOUN_WORDS = frozenset({"i", "me", "my", "myself", "mine", "we", "us", "our", "ourselves", "he", "him",
                                  "his", "himself", "she", "her", "herself", "they", "them", "their",
                                  "themselves", "im", "ive", "id", "hes", "shes", "theyre", "ill", "i'm", "i've"})
PERSON_NOUN_WORDS = frozenset({"son", "daughter", "husband", "wife", "partner", "boyfriend", "girlfriend",
                               "mum", "mom", "mother", "mam", "mommy", "mummy", "mama", "dad", "father", "daddy",
                               "papa", "child", "kid", "baby", "toddler", "boy", "girl", "brother", "sister",
                               "grandma", "grandpa", "grandmother", "grandfather", "granny", "grandad",
                               "granddad", "nan", "nana", "nanna", "aunt", "auntie", "uncle", "cousin", "nephew",
                               "niece", "friend", "patient", "pt", "relative", "fiance", "fiancee", "spouse",
                               "grandson", "granddaughter", "stepson", "stepdaughter", "lad", "hubby", "missus",
                               "neighbour", "neighbor", "flatmate", "roommate", "man", "woman", "lady", "gentleman"})
# Objects of these verbs ask for information: "tell me about", "explain to me".
ASKING_VERB_NORMS = frozenset({"tell", "give", "show", "explain", "let", "help", "remind", "send", "teach",
                               "inform", "ask", "email", "text", "advise", "describe", "update", "answer"})
# A person followed by one of these is asking or worrying, not reporting: "I want to know", "my son asked".
ASKING_AFTER_PERSON_NORMS = frozenset({"want", "wanna", "need", "like", "wonder", "know", "read", "hear", "ask",
                                       "learn", "curious", "worry", "worried", "scare", "scared", "afraid",
                                       "concern", "concerned", "fear", "understand", "say", "tell", "mention",
                                       "warn", "explain", "wish", "plan", "research", "google", "hope",
                                       "think", "believe", "guess", "suppose", "question", "query", "wonder",
                                       "interested", "nervous", "anxious", "frightened", "terrify", "terrified",
                                       "check", "expect", "search"})
# "I'll get", "he might develop": supposing a future symptom ("he might be having one" is now).
FUTURE_NORMS = frozenset({"will", "would", "may", "shall", "gonna"})
CATCH_NORMS = frozenset({"have", "get", "develop", "experience", "suffer", "catch", "end"})
# Skipped between a person and the verb above: "I'm a bit worried", "I'd really like".
PERSON_FILLER_NORMS = frozenset({"be", "would", "do", "have", "just", "also", "really", "still", "always", "kind",
                                 "of", "a", "bit", "so", "very", "quite", "get", "not", "too", "now", "little",
                                 "rather", "slightly", "somewhat", "actually", "only", "one", "more", "another",
                                 "quick", "some", "few", "two", "couple", "last", "final", "small", "general", "much"})
# "my question", "my doctor": a possessive that names no one who is ill.
NOT_ILL_AFTER_POSSESSIVE_NORMS = frozenset({"question", "questions", "doctor", "nurse", "consultant", "team",
                                            "oncologist", "understanding", "leaflet", "pharmacist", "gp", "query",
                                            "worry", "concern", "appointment", "reading", "research", "friend's",
                                            "specialist", "haematologist", "hematologist", "clinic", "care"})
POSSESSIVE_WORDS = frozenset({"my", "his", "her", "their", "our"})
# Devices are the subject of a pump or line report: "the line is leaking".
DEVICE_NORMS = frozenset({"line", "picc", "catheter", "port", "cannula", "drip", "tube", "tubing", "iv",
                          "hickman", "portacath", "pump", "bag", "machine", "dressing", "cadd", "alarm", "battery",
                          "infusion"})

# Opens a question that supposes rather than reports: "will I get seizures?", "can it cause confusion?".
MODAL_WORDS = frozenset({"can", "could", "will", "would", "may", "might", "should", "shall", "do", "does", "cn",
                         "wil", "shd", "wud", "cud"})
WH_WORDS = frozenset({"what", "whats", "which", "who", "whom", "how", "why", "when", "where", "wat", "wot"})
# A verb form that places the symptom now or in the past: "could I be having a seizure?".
PRESENT_WORDS = frozenset({"am", "'m", "m", "is", "'s", "s", "are", "'re", "re", "was", "were", "been", "having",
                           "had", "has", "feel", "feels", "feeling", "felt", "keep", "keeps", "kept", "keeping",
                           "started", "starting", "seems", "seemed", "looks", "looked", "looking", "got", "just",
                           "currently", "now", "right", "today", "tonight", "yesterday"})
# "Is this a seizure?", "could it be CRS?": something is happening and the writer names it.
DEICTIC_OPEN_WORDS = frozenset({"is", "could", "might", "can", "would", "was", "may", "are"})
DEICTIC_WORDS = frozenset({"this", "that", "it", "these", "those"})
DEICTIC_FILLER_NORMS = frozenset({"be", "a", "an", "the", "some", "kind", "sort", "of", "just", "maybe", "another",
                                  "have", "start", "go", "to", "really", "actually", "possibly", "probably",
                                  "sign", "signs"})
# "Talking about CRS", "told us about the risk of CRS", "mentioned cytokine release": a condition as a topic.
SPEECH_WORDS = frozenset({"talk", "talks", "talking", "talked", "told", "tell", "tells", "telling", "warned", "warn",
                          "warning", "explained", "spoke", "speaking", "spoken", "said", "saying", "says", "went",
                          "going", "banging", "harping"})
# "What's this CRS thing they talk about": asking what it is, before the name of what is talked of.
WHAT_IS_WORDS = frozenset({"what", "whats", "what's", "wat", "s", "'s", "is", "this", "that"})
LISTENER_WORDS = frozenset({"us", "me", "him", "her", "them", "you", "on"})
# Said right before a clinical word, as a name: "the doctors keep saying CRS" ("saying he can't breathe" is not).
MENTIONED_WORDS = frozenset({"mentioned", "mentions", "mentioning", "mention", "saying", "say", "says"})
# "Which (warning) signs of CRS ...?": the signs asked for, before the name of what they are signs of.
SIGN_WORDS = frozenset({"sign", "signs", "symptom", "symptoms", "sx"})
SIGN_FILLER_WORDS = frozenset({"the", "are", "is", "'s", "warning", "early", "main", "first", "serious", "worrying"})
QUOTE_MARKS = frozenset({"'", '"', "\u2018", "\u2019", "\u201c", "\u201d"})
TOPIC_FILLER_WORDS = frozenset({"the", "a", "an", "this", "that", "something", "called", "risk", "risks", "of",
                                "possible", "possibly", "chance"})
# "The seizures people talk about with blina": "about" with its object before it.
TALKED_OF_REACH = 7
AFTER_STRANDED_ABOUT_WORDS = frozenset({"with", "on", "for", "in", "when", "after", "and", "so"})
# "My last bag comes off on Friday": the course ends.
LAST_WORDS = frozenset({"last", "final"})
OFF_WORDS = frozenset({"off", "out"})
ONGOING_BEFORE_WORDS = frozenset({"been", "is", "'s", "keeps", "still", "are"})
SCHEDULED_COME_WORDS = frozenset({"comes", "come", "coming"})  # "came off" may be a line that came loose
# Opens a sentence that asks for information.
QUESTION_OPEN_WORDS = WH_WORDS | MODAL_WORDS | frozenset({"is", "are", "am", "was", "were", "did", "has", "have",
                                                          "any", "tell", "explain", "describe", "define",
                                                          "list", "give", "info", "information", "whats",
                                                          "do", "does", "question", "q", "faq"})
# Anywhere in a sentence, these ask for information ("seizures as a side effect", "how common").
INFO_PHRASES = ("side effect", "side effects", "adverse effect", "adverse effects", "adverse reaction",
                "adverse reactions", "tell me", "tell us", "explain", "information", "info", "describe",
                "define", "definition", "meaning", "what do you mean", "risk", "risks", "chance", "chances",
                "likely", "likelihood", "common", "commonly", "normal", "usual", "usually", "sign of",
                "signs of", "symptom of", "symptoms of", "warning sign", "warning signs", "cause", "caused by",
                "know about", "learn about", "read about", "more about", "anything about", "what about",
                "how about", "wonder", "curious", "leaflet", "happen", "prevent", "avoid", "list", "worry about",
                "worried about", "concerned about", "scared of", "afraid of", "possible", "expect",
                "frequency", "frequent", "rare", "often", "how long", "treated", "treatment for",
                "watch out for", "look out for", "look for", "keep an eye", "monitor", "check for", "ask",
                "wondering", "want to know", "wanted to know", "question", "questions", "query", "worry",
                "worried", "scared", "afraid", "nervous", "anxious", "concerned", "fear", "hope",
                "will have", "will get", "going to have", "going to get", "may get", "may have")
# A mention told as history ("the pump was off for 4 days", "a seizure last year"): not happening now,
# unless its clause says it is (NOW_WORDS) or the sentence says it again (AGAIN_WORDS).
HISTORY_PHRASES = ("stopped for", "stop for", "was off for", "were off for", "off the drug", "off the infusion",
                   "off treatment", "off blincyto", "off blinatumomab", "interrupted for", "paused for",
                   "last year", "last cycle", "previous cycle", "first cycle", "in the past", "history of",
                   "years ago", "months ago", "year ago", "month ago", "before treatment", "before starting",
                   "before i started", "as a child", "when i was a child", "used to", "last week", "last month",
                   "the other day", "days ago", "weeks ago", "week ago", "day ago", "back in", "earlier this week",
                   "earlier this month", "in cycle 1", "in cycle one", "during cycle 1", "during the first cycle",
                   "in the first cycle", "on the ward yesterday", "once last week", "yesterday on the ward",
                   "episode", "first night", "stopped the blina", "stopped the drip", "stopped the infusion",
                   "stopped it", "paused it", "was stopped", "they stopped", "put him back on", "put her back on",
                   "put me back on", "back on it", "years before", "months before", "before my leukaemia",
                   "before my leukemia", "before the leukaemia", "before the leukemia", "before diagnosis",
                   "before i was diagnosed", "before he was diagnosed", "before she was diagnosed")
# "A seizure in 2019": a year named after "in" places the event in the past.
YEAR_BEFORE_WORDS = frozenset({"in", "back"})
# "Day 2 of first cycle", "week 3 of cycle 1": where the patient is in the treatment now, not history,
# when one of these first-cycle phrases follows a day or week count, unless the sentence tells the past.
FIRST_CYCLE_PHRASES = frozenset({"first cycle", "in cycle 1", "in cycle one", "during cycle 1", "in the first cycle",
                                 "during the first cycle"})
POSITION_WORDS = frozenset({"day", "week", "wk", "d", "days", "weeks"})
POSITION_GAP_WORDS = frozenset({"of", "in", "into", "the", "my", "his", "her", "their", "our", "this"})
PAST_WORDS = frozenset({"had", "was", "were", "did", "went", "happened", "ago", "last", "previous", "previously",
                        "settled", "passed", "resolved", "then", "back"})
# Says that what was told is over ("it settled", "he's been fine since"): the sentences up to it are history.
RESOLVED_PHRASES = ("it settled", "has settled", "have settled", "settled down", "it passed", "has passed",
                    "went away", "gone away", "all gone", "been fine since", "fine since", "fine ever since",
                    "fine now", "ok now", "okay now", "better now", "back to normal",
                    "back to his usual", "back to her usual", "back to my usual", "back to himself",
                    "back to herself", "back to myself", "now resolved", "has resolved", "had resolved",
                    "all cleared", "cleared up", "recovered", "doing great now", "doing well now", "back up to",
                    "running fine", "sorted it", "it was sorted", "came back down", "stopped on its own",
                    "carried on fine", "fine by itself", "gone by", "went back to normal", "fully resolved",
                    "completely resolved", "since resolved", "resolved fully", "resolved completely")
# "gr3 CRS resolved", "his fever has now settled": the flag's own verb says it is over, whatever the rest says.
OVER_VERB_WORDS = frozenset({"resolved", "settled", "subsided", "cleared"})
CYCLE_DAY = re.compile(r"c\d{1,2}d\d{1,2}|d\d{1,2}")  # staff shorthand for when: "C1D2", "D3"
OVER_FILLER_WORDS = frozenset({"has", "had", "have", "was", "fully", "completely", "totally", "now", "since", "all",
                               "quickly", "then"})
# "It was gone by the morning" is over; "the screen's gone blank", "his temp's gone up" say what it became.
# A resolved phrase ending in "gone" counts only at a clause's end or before one of these.
GONE_FOLLOWER_WORDS = frozenset({"by", "now", "since", "completely", "totally", "altogether", "overnight", "today",
                                 "the", "this", "after", "within", "and", "but", "so", "when", "for", "again",
                                 "thankfully", "luckily", "already", "too", "as", "once", "lol"})
NOW_WORDS = frozenset({"am", "'m", "m", "is", "'s", "are", "'re", "feel", "feels", "feeling", "keep", "keeps",
                       "keeping", "having", "been", "has", "have", "today", "tonight", "currently", "still",
                       "again", "now", "right"})
AGAIN_WORDS = frozenset({"again", "today", "tonight", "currently"})
STILL_WORDS = frozenset({"still"})
# Only these say it is happening now strongly enough to outlast a later "it settled".
STRONG_NOW_WORDS = frozenset({"having", "now", "currently", "right", "still", "keeps", "keep", "today", "tonight",
                              "again"})
# A message from the staff console is a colleague's question about a patient's toxicity ("pt had grade 4
# CRS, can they restart?") unless it says a caller is going through it now.
# ("now resolved", "now settled" say the opposite.)
STAFF_REPORT_NOW = ("caller", "on the phone", "on the line", "right now", "now", "currently", "at the moment",
                    "is having", "is fitting", "is seizing", "can't breathe", "cannot breathe", "is unconscious",
                    "collapsed", "in front of me", "calling from", "ringing", "rang", "phoning", "phoned", "says",
                    "reports", "reporting", "complaining of", "pt is", "patient is", "pt has", "patient has",
                    "calling", "called", "today", "this morning", "tonight", "just now", "dropping", "falling",
                    "rising", "worsening", "deteriorating", "getting worse")
# "When is my drip coming out?": a question about timing, never how a report is put.
TIMING_OPEN_WORDS = frozenset({"when"})
TIMING_AUX_WORDS = frozenset({"is", "'s", "s", "are", "'re", "will", "wil", "do", "does", "can", "should", "would",
                              "shall", "am", "'ll"})
# Asks what to do now: the writer is reporting, even without saying who ("confused - what do I do?").
ACTION_PHRASES = ("what do i do", "what should i do", "what do we do", "what should we do", "what can i do",
                  "what can we do", "what now", "who do i call", "who should i call", "who do we call",
                  "should i call", "should we call", "do i call", "do we call", "should i go", "should we go",
                  "do i need to go", "do we need to go", "call 911", "call an ambulance", "ambulance",
                  "help me", "please help", "help us", "asap", "right now", "a&e", "what to do",
                  "what's happening", "what is happening", "what is going on")
# A person then "had one" / "is having it": a report of the thing just asked about.
ANAPHOR_SUBJECT_WORDS = PERSON_PRONOUN_WORDS | PERSON_NOUN_WORDS
ANAPHOR_WORDS = frozenset({"one", "it", "them", "that", "this", "those", "some", "these", "another"})
ANAPHOR_FOLLOWER_WORDS = frozenset({"yesterday", "today", "tonight", "now", "earlier", "before", "again", "too",
                                    "also", "last", "this", "just", "once", "twice", "recently", "already", "as",
                                    "at", "in", "on", "during", "while", "when", "after", "and", "but", "so",
                                    "i", "he", "she", "my", "since", "right", "a", "an", "every", "all", "lol",
                                    "earlier", "overnight", "then", "i'm", "im", "maybe", "think", "not",
                                    "yet", "for", "this", "am", "pm", "about", "like", "after", "last"})

ALL_CUE_WORDS = (SENTENCE_END_WORDS | CLAUSE_END_WORDS | NEGATION_NORMS | PSEUDO_NEGATION_NEXT_NORMS
                 | HYPOTHETICAL_NORMS | PERSON_PRONOUN_WORDS | PERSON_NOUN_WORDS | MODAL_WORDS | WH_WORDS
                 | PRESENT_WORDS | DEVICE_NORMS | ASKING_AFTER_PERSON_NORMS)


def add_cue_patterns(matcher, phrase_matcher, tokenize) -> None:
    """Adds the information phrases and the "I had one" pattern to the lexicon's matchers."""
    phrase_matcher.add("info|", [tokenize(p) for p in INFO_PHRASES])
    phrase_matcher.add("action|", [tokenize(p) for p in ACTION_PHRASES])
    phrase_matcher.add("history|", [tokenize(p) for p in HISTORY_PHRASES])
    phrase_matcher.add("resolved|", [tokenize(p) for p in RESOLVED_PHRASES])
    # "It was gone by the morning" as written: on dictionary forms it would also be "his lips are going blue".
    matcher.add("resolved|", [[{"LOWER": {"IN": ["was", "were"]}}, {"LOWER": "gone"}]])
    fillers = ["just", "have", "be", "think", "also", "already", "do", "may", "can", "recently", "definitely",
               "probably", "again", "actually", "really", "will", "would", "sure", "maybe", "now", "get"]
    matcher.add("anaphor|", [[
        {"LOWER": subject},
        {"NORM": {"IN": fillers}, "OP": "*"},
        {"NORM": {"IN": ["have", "get", "experience", "feel", "suffer"]}},
        {"LOWER": {"IN": sorted(ANAPHOR_WORDS)}},
    ] for subject in sorted(ANAPHOR_SUBJECT_WORDS)])
