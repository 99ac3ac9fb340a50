/**
 * Deterministic synthetic sample data with KNOWN planted structure (seeded
 * mulberry32: the same seed gives byte-identical files on every machine),
 * plus fast writers of large files for the import benchmark.
 *
 * Sample library — Wikipedia books NDJSON, ~2,400 books ↔ links:
 *   - 8 genres × 300 books. Every author writes in exactly ONE genre and has
 *     one country (and its language) and a usual publisher.
 *   - Series of 2–7 books, all by one author (hence one genre); each book of
 *     a series links the series' article and its neighbours in the series.
 *   - Each book has ~20–40 links: 12–21 topics from its genre's pool of 60
 *     (Zipf-ish, so some topics are popular; randomly capitalised, so
 *     lower-casing matters; now and then one repeated), the genre's article,
 *     its author, country, language and publisher, 2–4 general cross-genre
 *     topics ("World War II"), generic links the tutorial's cleaning removes
 *     ("Hardcover", "Paperback", "Wikipedia:WikiProject Books", ...) and 1–3
 *     noise links (random people, nearly all seen fewer than 4 times, so the
 *     min-count filter drops them).
 *   - 6 "Wikipedia:..." pages that the title filter drops.
 *   What a model should find: a book's nearest books are its series and its
 *   author's other books, then its genre; links cluster by genre.
 *
 * Sample ratings — MovieLens ratings.csv + movies.csv, 1,000 users × 600
 * movies, ~50 ratings per user (log-normal counts, Zipf-ish movie popularity):
 *
 *   r(u, i) = μ + b_u + b_i + p_u · q_i + ε,   ε ~ N(0, σ²), σ = NOISE_SD = 0.5
 *
 *   μ = 3.5, b_u ~ N(0, 0.35²), b_i ~ N(0, 0.4²), p_u ~ N(0, 0.5²)^k with
 *   k = 5 factors; each movie has a primary factor f with q_i[f] ~ 1 + N(0, 0.35²)
 *   and the others ~ N(0, 0.35²). Ratings are NOT rounded to stars or clipped
 *   (3 decimals), so the best achievable test RMSE is σ (the Bayes error);
 *   a model at 0.5 has learned everything there is. Genres follow the factor
 *   profile (FACTOR_GENRES: the primary factor's genres, plus those of any
 *   other factor with q > 0.6). Timestamps increase per user.
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { Random } from '../lib/random'

export const LIBRARY_SEED = 20180101
export const RATINGS_SEED = 19970901

// ---------------------------------------------------------------- word lists

interface GenreDef {
  name: string
  /** The genre's own article, linked by most of its books. */
  article: string
  adjectives: string[]
  nouns: string[]
  /** Title templates: {A} adjective, {N} noun, {P} place, {F} first name. */
  titles: string[]
  seriesWords: string[]
  /** Hand-picked topics; the pool is topped up to TOPICS_PER_GENRE with "adjective noun". */
  topics: string[]
}

const TOPICS_PER_GENRE = 60

const GENRES: GenreDef[] = [
  {
    name: 'Fantasy',
    article: 'Fantasy literature',
    adjectives: ['Silver', 'Enchanted', 'Forgotten', 'Crimson', 'Shadowed', 'Ancient', 'Elven', 'Cursed', 'Golden', 'Hollow', 'Iron', 'Wandering'],
    nouns: ['Crown', 'Sword', 'Throne', 'Dragon', 'Oath', 'Tower', 'Prophecy', 'Wizard', 'Forest', 'Kingdom', 'Rune', 'Chalice'],
    titles: ['The {A} {N} of {P}', 'The {N} of {P}', '{A} {N}', 'The Last {N}'],
    seriesWords: ['Chronicles', 'Saga', 'Cycle', 'Trilogy'],
    topics: ['dragons', 'magic', 'elves', 'dwarves', 'wizards', 'quest', 'sword and sorcery', 'high fantasy', 'epic fantasy', 'mythology', 'prophecy', 'middle ages', 'kingdom', 'necromancy', 'fairy tale', 'unicorns', 'orcs', 'enchanted forest', 'dark lord', 'portal fantasy', 'trolls', 'heroic fantasy', 'celtic mythology', 'norse mythology'],
  },
  {
    name: 'Science fiction',
    article: 'Science fiction',
    adjectives: ['Distant', 'Silent', 'Quantum', 'Broken', 'Neon', 'Infinite', 'Cold', 'Hidden', 'Second', 'Burning', 'Last', 'Orbital'],
    nouns: ['Star', 'Protocol', 'Machine', 'Horizon', 'Signal', 'Colony', 'Engine', 'Frontier', 'Android', 'Nebula', 'Station', 'Empire'],
    titles: ['{A} {N}', 'The {N} of {P}', 'The {A} {N}', '{P} {N}'],
    seriesWords: ['Sequence', 'Saga', 'Cycle', 'Trilogy'],
    topics: ['space travel', 'artificial intelligence', 'robots', 'time travel', 'aliens', 'galactic empire', 'cyberpunk', 'space opera', 'dystopia', 'genetic engineering', 'mars', 'faster-than-light', 'first contact', 'nanotechnology', 'virtual reality', 'post-apocalyptic fiction', 'hard science fiction', 'interstellar war', 'cryonics', 'terraforming', 'generation ship', 'telepathy', 'parallel universes', 'androids'],
  },
  {
    name: 'Mystery',
    article: 'Mystery fiction',
    adjectives: ['Silent', 'Missing', 'Crooked', 'Final', 'Quiet', 'Locked', 'Pale', 'Bitter', 'Seventh', 'Black', 'Hidden', 'Borrowed'],
    nouns: ['Witness', 'Clue', 'Key', 'Alibi', 'Letter', 'Inheritance', 'Verdict', 'Portrait', 'Ledger', 'Cottage', 'Inquest', 'Shadow'],
    titles: ['The {A} {N}', 'Murder at {P}', 'The {N} of {P}', 'Death of a {N}'],
    seriesWords: ['Mysteries', 'Casebook', 'Investigations'],
    topics: ['detective', 'private investigator', 'murder', 'whodunit', 'police procedural', 'locked-room mystery', 'scotland yard', 'amateur sleuth', 'forensic science', 'poisoning', 'cozy mystery', 'inspector', 'crime fiction', 'red herring', 'english country house', 'blackmail', 'missing person', 'coroner', 'golden age of detective fiction', 'alibi', 'interrogation', 'serial killer', 'jewel theft', 'village'],
  },
  {
    name: 'Romance',
    article: 'Romance novel',
    adjectives: ['Summer', 'Secret', 'Sweet', 'Reckless', 'Lost', 'Wild', 'Gentle', 'Second', 'Moonlit', 'Stolen', 'Tender', 'Unexpected'],
    nouns: ['Heart', 'Promise', 'Kiss', 'Bride', 'Garden', 'Season', 'Vow', 'Letter', 'Duke', 'Wedding', 'Harbor', 'Dance'],
    titles: ['A {A} {N}', 'The {N} at {P}', '{A} {N}', 'Love in {P}'],
    seriesWords: ['Brides', 'Hearts', 'Seasons'],
    topics: ['love', 'marriage', 'courtship', 'regency romance', 'wedding', 'love triangle', 'historical romance', 'contemporary romance', 'small town', 'second chance', 'arranged marriage', 'aristocracy', 'ballroom', 'duke', 'enemies to lovers', 'friendship', 'family saga', 'widow', 'seaside resort', 'matchmaking', 'dowry', 'elopement', 'love letter', 'heartbreak'],
  },
  {
    name: 'Historical fiction',
    article: 'Historical fiction',
    adjectives: ['Last', 'Winter', 'Iron', 'Red', 'Empty', 'Fallen', 'Scarlet', 'Forgotten', 'Long', 'Bronze', 'Distant', 'Northern'],
    nouns: ['Legion', 'Queen', 'Harvest', 'Crossing', 'Siege', 'Empire', 'March', 'Regiment', 'Crown', 'Mill', 'Voyage', 'Frontier'],
    titles: ['The {A} {N}', 'The {N} of {P}', '{P}', 'A {N} in {P}'],
    seriesWords: ['Saga', 'Chronicles', 'Quartet'],
    topics: ['roman empire', 'napoleonic wars', 'tudor period', 'american civil war', 'victorian era', 'vikings', 'world war i', 'ancient egypt', 'french revolution', 'medieval england', 'wars of the roses', 'hundred years war', 'the crusades', 'ancient greece', 'industrial revolution', 'british empire', 'spanish armada', 'colonial america', 'byzantine empire', 'black death', 'hanseatic league', 'jacobite rising', 'samurai', 'silk road'],
  },
  {
    name: 'Horror',
    article: 'Horror fiction',
    adjectives: ['Dead', 'Hungry', 'Rotting', 'Pale', 'Screaming', 'Hollow', 'Drowned', 'Crawling', 'Black', 'Nameless', 'Bleeding', 'Sleepless'],
    nouns: ['House', 'Hour', 'Church', 'Asylum', 'Well', 'Doll', 'Harvest', 'Cellar', 'Fog', 'Carnival', 'Mirror', 'Orchard'],
    titles: ['The {A} {N}', 'The {N} on {P} Hill', '{A} {N}', 'The {N}'],
    seriesWords: ['Cycle', 'Tales', 'Hauntings'],
    topics: ['ghosts', 'vampires', 'haunted house', 'werewolves', 'zombies', 'demonic possession', 'cosmic horror', 'gothic fiction', 'supernatural', 'exorcism', 'cannibalism', 'psychological horror', 'cult', 'witchcraft', 'cemetery', 'monster', 'poltergeist', 'body horror', 'occult', 'lovecraftian horror', 'small town horror', 'curse', 'revenant', 'folk horror'],
  },
  {
    name: 'Thriller',
    article: 'Thriller (genre)',
    adjectives: ['Deadly', 'Final', 'Rogue', 'Silent', 'Zero', 'Dark', 'Burning', 'Broken', 'Cold', 'Hidden', 'Hostile', 'Lethal'],
    nouns: ['Target', 'Protocol', 'Asset', 'Conspiracy', 'Agent', 'Code', 'Extraction', 'Directive', 'Option', 'Cipher', 'Hour', 'Dossier'],
    titles: ['{A} {N}', 'The {P} {N}', 'The {A} {N}', '{N} {P}'],
    seriesWords: ['Files', 'Series', 'Missions'],
    topics: ['espionage', 'cia', 'terrorism', 'conspiracy', 'assassination', 'kidnapping', 'legal thriller', 'techno-thriller', 'cold war', 'hostage', 'mi6', 'double agent', 'political thriller', 'bioterrorism', 'kgb', 'smuggling', 'cartel', 'hacker', 'nuclear weapons', 'special forces', 'fbi', 'witness protection', 'sniper', 'mercenary'],
  },
  {
    name: "Children's",
    article: "Children's literature",
    adjectives: ['Little', 'Brave', 'Magic', 'Curious', 'Tiny', 'Giant', 'Sleepy', 'Secret', 'Flying', 'Jolly', 'Clever', 'Lonely'],
    nouns: ['Bear', 'Rabbit', 'Treehouse', 'Balloon', 'Dragon', 'Fox', 'Kite', 'Owl', 'Train', 'Puppy', 'Island', 'Adventure'],
    titles: ['The {A} {N}', '{F} and the {A} {N}', 'The {N} Who Wanted to Fly', "{F}'s {A} {N}"],
    seriesWords: ['Adventures', 'Stories', 'Books'],
    topics: ['picture book', 'talking animals', 'boarding school', 'friendship', 'bedtime story', 'fairy', 'pirates', 'treasure hunt', 'school', 'summer holidays', 'toys', 'anthropomorphism', 'coming of age', 'orphans', 'siblings', 'forest animals', 'magic', 'circus', 'grandparents', 'ponies', 'dinosaurs', 'nursery rhyme', 'chapter book', 'young adult fiction'],
  },
]

const FIRST_NAMES = ['Alice', 'Arthur', 'Beatrice', 'Charles', 'Clara', 'Daniel', 'Edith', 'Edmund', 'Eleanor', 'Frances', 'George', 'Grace', 'Harriet', 'Henry', 'Iris', 'Jack', 'James', 'Jane', 'Julian', 'Katherine', 'Laura', 'Leonard', 'Lucy', 'Margaret', 'Martin', 'Mary', 'Nathan', 'Nora', 'Oliver', 'Patrick', 'Rachel', 'Robert', 'Rose', 'Samuel', 'Sarah', 'Simon', 'Sophie', 'Thomas', 'Vera', 'William']
const LAST_NAMES = ['Ashford', 'Bell', 'Blackwood', 'Brennan', 'Carver', 'Cole', 'Dalton', 'Drake', 'Ellison', 'Fairfax', 'Finch', 'Fletcher', 'Garrett', 'Greaves', 'Hale', 'Hartley', 'Holloway', 'Hughes', 'Kerr', 'Lambert', 'Lowell', 'Marsh', 'Mercer', 'Morrow', 'Nash', 'Oakley', 'Pike', 'Quinn', 'Radcliffe', 'Reyes', 'Sinclair', 'Stone', 'Sutton', 'Thorne', 'Vance', 'Wade', 'Whitlock', 'Winter', 'Wren', 'Yardley']
const PLACE_HEADS = ['Elder', 'Raven', 'Thorn', 'Ash', 'Winter', 'Mist', 'Stone', 'Black', 'Silver', 'Oak', 'Storm', 'Marsh', 'Wolf', 'Hollow', 'Bright', 'Amber']
const PLACE_TAILS = ['moor', 'wick', 'ford', 'haven', 'mere', 'vale', 'gate', 'holm', 'field', 'crest', 'bury', 'fell']
const COUNTRIES: [country: string, language: string, weight: number][] = [
  ['United States', 'English', 0.42],
  ['United Kingdom', 'English', 0.3],
  ['Canada', 'English', 0.07],
  ['Australia', 'English', 0.06],
  ['Ireland', 'English', 0.05],
  ['France', 'French', 0.04],
  ['Sweden', 'Swedish', 0.03],
  ['Japan', 'Japanese', 0.03],
]
const PUBLISHERS = ['Harbor House', 'Northgate Press', 'Lantern Books', 'Meridian', 'Oakleaf Publishing', 'Blue Heron Press', 'Castle & Finch', 'Greywater Books', 'Sparrow Editions', 'Keystone', 'Riverbend Press', 'Tallow & Quill']
/** Cross-genre topics: common enough to survive the min-count filter, unrelated to genre. */
const GENERAL_TOPICS = ['World War II', 'New York City', 'London', 'BBC', 'The New York Times', 'Film adaptation', 'Audiobook', 'Bestseller', 'Paris', 'Television adaptation', 'Literary award', 'Debut novel', 'Novella', 'Translation', 'Book review', 'First-person narrative', 'Epistolary novel', 'Unreliable narrator', 'Los Angeles', 'Book club']
/** Generic links with the probability a book has each (the tutorial's GENERIC_LINKS, capitalised as on Wikipedia). */
const GENERIC: [link: string, p: number][] = [
  ['Hardcover', 0.6],
  ['Paperback', 0.7],
  ['Hardback', 0.15],
  ['E-book', 0.3],
  ['Wikipedia:WikiProject Books', 0.5],
  ['Wikipedia:WikiProject Novels', 0.35],
]
const PROJECT_PAGES = [
  'Wikipedia:WikiProject Novels/Assessment',
  'Wikipedia:Featured articles/Literature',
  'Wikipedia:WikiProject Books/Outreach',
  'Wikipedia:Manual of Style/Novels',
  'Wikipedia:Vital articles/Level 4/Arts',
  'Wikipedia:Good articles/Language and literature',
]
const NOISE_FIRST = [...FIRST_NAMES, 'Abel', 'Agnes', 'Basil', 'Cecil', 'Dora', 'Enid', 'Felix', 'Gilbert', 'Hugo', 'Ida', 'Jasper', 'Kit', 'Lionel', 'Mabel', 'Ned', 'Opal', 'Percy', 'Rufus', 'Stella', 'Tobias', 'Ursula', 'Walter', 'Wilfred', 'Xavier', 'Yvonne', 'Zelda', 'Cyril', 'Doris', 'Ernest', 'Flora', 'Horace', 'Ivy', 'Lottie', 'Milo', 'Otto', 'Pearl', 'Roland', 'Sybil', 'Theo', 'Violet']
const NOISE_LAST = [...LAST_NAMES, 'Abbott', 'Barlow', 'Crane', 'Dunmore', 'Everett', 'Foss', 'Gale', 'Hobbs', 'Ingram', 'Jessop', 'Knox', 'Lyle', 'Munro', 'Noble', 'Orme', 'Pratt', 'Rook', 'Shaw', 'Tate', 'Upton', 'Voss', 'Webb', 'Yates', 'Ames', 'Birch', 'Coyle', 'Dane', 'Eames', 'Frost', 'Gough', 'Hurst', 'Irwin', 'Joyce', 'Kemp', 'Lusk', 'Moss', 'Neve', 'Pryce', 'Rowe', 'Sloane']

// ---------------------------------------------------------------- library

export interface LibraryBook {
  title: string
  genre: string
  author: string
  series: string | null
  /** 1-based position in its series. */
  seriesIndex: number | null
  country: string
  language: string
  publisher: string
  year: number
  pages: number
  /** Wikilinks as written to the file (before any cleaning). */
  links: string[]
  infobox: Record<string, string>
  externalLinks: string[]
  timestamp: string
}

export interface LibraryAuthor {
  name: string
  genre: string
  country: string
}

export interface LibrarySeries {
  name: string
  author: string
  genre: string
  books: string[]
}

export interface Library {
  seed: number
  genres: string[]
  /** Books and the project pages, in file order. */
  entries: LibraryBook[]
  /** The real books only (no "Wikipedia:" pages). */
  books: LibraryBook[]
  authors: LibraryAuthor[]
  series: LibrarySeries[]
  projectPages: string[]
}

const BOOKS_PER_GENRE = 300

const fill = (template: string, words: Record<string, string>): string => template.replace(/\{(\w)\}/g, (_, k: string) => words[k] ?? '')

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

/** The genre's 60 topics: the hand-picked ones, then "adjective noun" pairs until 60. */
function topicPool(rng: Random, g: GenreDef): string[] {
  const pool = new Set(g.topics)
  while (pool.size < TOPICS_PER_GENRE) pool.add(`${rng.pick(g.adjectives)} ${rng.pick(g.nouns)}`.toLowerCase())
  return rng.shuffle([...pool])
}

function weightedCountry(rng: Random): [string, string] {
  let u = rng.float()
  for (const [country, language, w] of COUNTRIES) {
    if ((u -= w) < 0) return [country, language]
  }
  return [COUNTRIES[0]![0], COUNTRIES[0]![1]]
}

export function generateLibrary(seed = LIBRARY_SEED): Library {
  const rng = new Random(seed)
  const usedTitles = new Set<string>()
  const usedAuthors = new Set<string>()
  const usedSeries = new Set<string>()
  const place = () => `${rng.pick(PLACE_HEADS)}${rng.pick(PLACE_TAILS)}`
  const unique = (used: Set<string>, make: () => string): string => {
    for (let tries = 0; tries < 100; tries++) {
      const s = make()
      if (!used.has(s)) {
        used.add(s)
        return s
      }
    }
    for (let n = 2; ; n++) {
      const s = `${make()} ${n}`
      if (!used.has(s)) {
        used.add(s)
        return s
      }
    }
  }

  const books: LibraryBook[] = []
  const authors: LibraryAuthor[] = []
  const series: LibrarySeries[] = []
  for (const g of GENRES) {
    const pool = topicPool(rng, g)
    const genreBooks: LibraryBook[] = []
    while (genreBooks.length < BOOKS_PER_GENRE) {
      const name = unique(usedAuthors, () => `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`)
      const [country, language] = weightedCountry(rng)
      authors.push({ name, genre: g.name, country })
      const publisher = rng.pick(PUBLISHERS)
      let year = rng.range(1950, 2008)
      const seriesCount = rng.float() < 0.4 ? 0 : rng.float() < 0.75 ? 1 : 2
      const works: (LibrarySeries | null)[] = []
      for (let s = 0; s < seriesCount; s++) {
        const seriesName = unique(usedSeries, () => `The ${place()} ${rng.pick(g.seriesWords)}`)
        const entry: LibrarySeries = { name: seriesName, author: name, genre: g.name, books: [] }
        series.push(entry)
        for (let k = rng.range(2, 7); k > 0; k--) works.push(entry)
      }
      for (let k = rng.range(1, 4); k > 0; k--) works.push(null)
      for (const inSeries of works) {
        if (genreBooks.length === BOOKS_PER_GENRE) break
        const title = unique(usedTitles, () =>
          fill(rng.pick(g.titles), { A: rng.pick(g.adjectives), N: rng.pick(g.nouns), P: place(), F: rng.pick(FIRST_NAMES) }),
        )
        year += rng.range(1, 3)
        inSeries?.books.push(title)
        genreBooks.push({
          title,
          genre: g.name,
          author: name,
          series: inSeries?.name ?? null,
          seriesIndex: inSeries ? inSeries.books.length : null,
          country,
          language,
          publisher: rng.chance(0.8) ? publisher : rng.pick(PUBLISHERS),
          year,
          pages: rng.range(120, 820),
          links: [],
          infobox: {},
          externalLinks: [],
          timestamp: '',
        })
      }
    }
    // A series cut short by the genre's quota to fewer than 2 books is no series.
    for (const book of genreBooks) {
      const inSeries = series.find((s) => s.name === book.series)
      if (inSeries && inSeries.books.length < 2) {
        book.series = null
        book.seriesIndex = null
      }
    }
    for (const book of genreBooks) book.links = bookLinks(rng, g, pool, book)
    books.push(...genreBooks)
  }
  series.splice(0, series.length, ...series.filter((s) => s.books.length >= 2))
  // Neighbours in a series are only known once the series is complete.
  const byTitle = new Map(books.map((b) => [b.title, b]))
  for (const s of series) {
    s.books.forEach((title, k) => {
      const book = byTitle.get(title)!
      const prev = s.books[k - 1]
      const next = s.books[k + 1]
      if (prev) book.links.push(prev)
      if (next) book.links.push(next)
      book.infobox = infobox(book, prev, next)
    })
  }
  for (const book of books) {
    if (!book.series) book.infobox = infobox(book)
    book.externalLinks = [`http://www.${book.publisher.toLowerCase().replace(/[^a-z]+/g, '')}.example.com/books/${book.year}`]
    book.timestamp = timestampOf(rng)
  }
  rng.shuffle(books)

  const entries = books.slice()
  for (const title of PROJECT_PAGES) {
    const page: LibraryBook = {
      title,
      genre: '',
      author: '',
      series: null,
      seriesIndex: null,
      country: '',
      language: '',
      publisher: '',
      year: 0,
      pages: 0,
      links: ['Wikipedia:WikiProject Books', 'Wikipedia:WikiProject Novels', ...rng.sample(GENERAL_TOPICS, 5)],
      infobox: {},
      externalLinks: [],
      timestamp: timestampOf(rng),
    }
    entries.splice(rng.int(entries.length + 1), 0, page)
  }
  return { seed, genres: GENRES.map((g) => g.name), entries, books, authors, series, projectPages: PROJECT_PAGES.slice() }
}

function bookLinks(rng: Random, g: GenreDef, pool: string[], book: LibraryBook): string[] {
  const links: string[] = []
  const topics = new Set<string>()
  const want = rng.range(12, 21)
  while (topics.size < want) topics.add(pool[rng.skewed(pool.length, 1.6)]!)
  for (const t of topics) links.push(rng.chance(0.5) ? capitalize(t) : t)
  if (rng.chance(0.2)) links.push(capitalize(rng.pick([...topics])))
  if (rng.chance(0.9)) links.push(g.article)
  links.push(book.author)
  if (book.series) links.push(book.series)
  if (rng.chance(0.8)) links.push(book.country)
  if (rng.chance(0.7)) links.push(`${book.language} language`)
  if (rng.chance(0.6)) links.push(book.publisher)
  for (const t of rng.sample(GENERAL_TOPICS, rng.range(2, 4))) links.push(t)
  for (const [link, p] of GENERIC) if (rng.chance(p)) links.push(link)
  for (let k = rng.range(1, 3); k > 0; k--) links.push(`${rng.pick(NOISE_FIRST)} ${rng.pick(NOISE_LAST)}`)
  return rng.shuffle(links)
}

function infobox(book: LibraryBook, prev?: string, next?: string): Record<string, string> {
  return {
    author: book.author,
    genre: book.genre,
    country: book.country,
    language: book.language,
    publisher: book.publisher,
    pages: String(book.pages),
    release_date: String(book.year),
    ...(book.series ? { series: book.series } : {}),
    ...(prev ? { preceded_by: prev } : {}),
    ...(next ? { followed_by: next } : {}),
  }
}

function timestampOf(rng: Random): string {
  const seconds = Date.UTC(2018, 0, 1) / 1000 + rng.int(240 * 86400)
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}

/** What the library contains, for the dataset options. */
export function librarySummary(library: Library): Record<string, unknown> {
  return {
    books: library.books.length,
    genres: library.genres,
    authors: library.authors.length,
    series: library.series.length,
    projectPages: library.projectPages.length,
    planted: 'books of a series share author and genre; every author writes in one genre; links cluster by genre',
  }
}

/** Write the library as Koehrsen-style NDJSON: [title, infobox, wikilinks, external links, timestamp]. */
export function writeLibraryNdjson(path: string, seed = LIBRARY_SEED): Library {
  const library = generateLibrary(seed)
  const { entries } = library
  writeLines(path, entries.length, (i) => {
    const e = entries[i]!
    return `${JSON.stringify([e.title, e.infobox, e.links, e.externalLinks, e.timestamp])}\n`
  })
  return library
}

// ---------------------------------------------------------------- ratings

export const NOISE_SD = 0.5
const FACTORS = 5
const GLOBAL_MEAN = 3.5
const N_USERS = 1000
const N_MOVIES = 600
/** Share of a user's movies chosen from their favourite factor's genre (the rest by overall popularity). */
const TASTE_SHARE = 0.6

/** The genres each planted factor stands for. */
export const FACTOR_GENRES: readonly (readonly string[])[] = [
  ['Action', 'Adventure'],
  ['Comedy'],
  ['Drama', 'Romance'],
  ['Sci-Fi', 'Fantasy'],
  ['Horror', 'Thriller'],
]
const FACTOR_WORDS: readonly [adjectives: string[], nouns: string[]][] = [
  [['Fast', 'Iron', 'Last', 'Wild', 'Lethal', 'Hard'], ['Pursuit', 'Mission', 'Strike', 'Raid', 'Target', 'Run']],
  [['Crazy', 'Happy', 'Big', 'Lucky', 'Silly', 'Perfect'], ['Weekend', 'Wedding', 'Vacation', 'Roommates', 'Neighbors', 'Party']],
  [['Quiet', 'Long', 'Broken', 'Little', 'Secret', 'Bright'], ['Summer', 'Promise', 'Letters', 'Garden', 'River', 'Heart']],
  [['Dark', 'Distant', 'Silent', 'Final', 'Red', 'Lost'], ['Planet', 'Star', 'Machine', 'Kingdom', 'Frontier', 'Galaxy']],
  [['Dead', 'Black', 'Cold', 'Hollow', 'Silent', 'Crimson'], ['House', 'Night', 'Woods', 'Cellar', 'Scream', 'Hour']],
]

export interface SampleMovie {
  /** movieId, 1-based. */
  id: number
  title: string
  year: number
  genres: string[]
  primaryFactor: number
  bias: number
  factors: number[]
}

export interface SampleRating {
  /** userId, 1-based. */
  user: number
  movie: number
  rating: number
  timestamp: number
}

export interface RatingsSample {
  seed: number
  noiseSd: number
  factors: number
  globalMean: number
  userBias: number[]
  userFactors: number[][]
  movies: SampleMovie[]
  /** Ordered by user, then time. */
  ratings: SampleRating[]
}

/** The planted model's prediction, without noise: μ + b_u + b_i + p_u · q_i. */
export function plantedRating(sample: RatingsSample, user: number, movie: number): number {
  const p = sample.userFactors[user - 1]!
  const m = sample.movies[movie - 1]!
  let dot = 0
  for (let f = 0; f < sample.factors; f++) dot += p[f]! * m.factors[f]!
  return sample.globalMean + sample.userBias[user - 1]! + m.bias + dot
}

export function generateRatings(seed = RATINGS_SEED): RatingsSample {
  const rng = new Random(seed)
  const titles = new Set<string>()
  const movies: SampleMovie[] = []
  for (let id = 1; id <= N_MOVIES; id++) {
    const primary = rng.int(FACTORS)
    const factors = Array.from({ length: FACTORS }, (_, f) => (f === primary ? 1 : 0) + 0.35 * rng.normal())
    const genres = new Set<string>([FACTOR_GENRES[primary]![0]!])
    if (FACTOR_GENRES[primary]!.length > 1 && rng.chance(0.5)) genres.add(FACTOR_GENRES[primary]![1]!)
    factors.forEach((q, f) => {
      if (f !== primary && q > 0.6) genres.add(FACTOR_GENRES[f]![0]!)
    })
    const [adjectives, nouns] = FACTOR_WORDS[primary]!
    const year = rng.range(1960, 2015)
    let name = ''
    do {
      const a = rng.pick(adjectives)
      const n = rng.pick(nouns)
      // Some titles have a comma, so movies.csv must quote them.
      name = rng.chance(0.15) ? `${n}, ${a} ${rng.pick(nouns)}` : rng.chance(0.5) ? `The ${a} ${n}` : `${a} ${n}`
    } while (titles.has(`${name} (${year})`))
    titles.add(`${name} (${year})`)
    movies.push({ id, title: `${name} (${year})`, year, genres: [...genres], primaryFactor: primary, bias: 0.4 * rng.normal(), factors })
  }

  const userBias = Array.from({ length: N_USERS }, () => 0.35 * rng.normal())
  const userFactors = Array.from({ length: N_USERS }, () => Array.from({ length: FACTORS }, () => 0.5 * rng.normal()))
  const sample: RatingsSample = { seed, noiseSd: NOISE_SD, factors: FACTORS, globalMean: GLOBAL_MEAN, userBias, userFactors, movies, ratings: [] }

  const byPopularity = rng.shuffle(movies.map((m) => m.id))
  const byGenre = Array.from({ length: FACTORS }, (_, f) => byPopularity.filter((id) => movies[id - 1]!.primaryFactor === f))
  for (let user = 1; user <= N_USERS; user++) {
    const count = Math.min(200, Math.max(20, Math.round(Math.exp(Math.log(44) + 0.5 * rng.normal()))))
    const chosen = new Set<number>()
    // Taste drives what a user watches: mostly movies of their strongest factor's genre (by
    // popularity within it), the rest anything popular, so histories carry the planted structure.
    const p = userFactors[user - 1]!
    const favourite = p.indexOf(Math.max(...p))
    const theirs = byGenre[favourite]!
    while (chosen.size < count) chosen.add(rng.chance(TASTE_SHARE) ? theirs[rng.skewed(theirs.length, 1.5)]! : byPopularity[rng.skewed(N_MOVIES, 1.8)]!)
    let t = Date.UTC(2015, 0, 1) / 1000 + rng.int(3 * 365 * 86400)
    for (const movie of chosen) {
      t += 60 + rng.int(3 * 86400)
      const rating = Math.round((plantedRating(sample, user, movie) + NOISE_SD * rng.normal()) * 1000) / 1000
      sample.ratings.push({ user, movie, rating, timestamp: t })
    }
  }
  return sample
}

/** MovieLens ratings.csv: userId,movieId,rating,timestamp. */
export function writeRatingsCsv(path: string, sample: RatingsSample = generateRatings()): void {
  const r = sample.ratings
  writeLines(path, r.length, (i) => `${r[i]!.user},${r[i]!.movie},${r[i]!.rating},${r[i]!.timestamp}\n`, 'userId,movieId,rating,timestamp\n')
}

const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)

/** MovieLens movies.csv: movieId,title,genres (titles with commas quoted, genres `|`-joined). */
export function writeMoviesCsv(path: string, sample: RatingsSample = generateRatings()): void {
  const m = sample.movies
  writeLines(path, m.length, (i) => `${m[i]!.id},${csvField(m[i]!.title)},${m[i]!.genres.join('|')}\n`, 'movieId,title,genres\n')
}

// ---------------------------------------------------------------- benchmark files

/** Write `count` lines produced by `line(i)` in ~1 MiB string chunks. */
function writeLines(path: string, count: number, line: (i: number) => string, header = ''): void {
  const fd = openSync(path, 'w')
  try {
    let chunk = header
    for (let i = 0; i < count; i++) {
      chunk += line(i)
      if (chunk.length >= 1 << 20) {
        writeSync(fd, chunk)
        chunk = ''
      }
    }
    if (chunk.length > 0) writeSync(fd, chunk)
  } finally {
    closeSync(fd)
  }
}

/** Popularity rank → id: a shuffled 1..n, so popular ids are spread out. */
const rankToId = (rng: Random, n: number): Int32Array => {
  const ids = Array.from({ length: n }, (_, i) => i + 1)
  return Int32Array.from(rng.shuffle(ids))
}

/**
 * A pair list with the header `left,right` (keys like `u123`, `i456`) of
 * `rows` rows over ~rows/20 keys a side (1M rows → 50,000 × 50,000),
 * Zipf-ish popularity on both sides.
 */
export function writePairsCsv(path: string, rows: number, seed = 7): { leftKeys: number; rightKeys: number } {
  const rng = new Random(seed)
  const nLeft = Math.max(100, Math.round(rows / 20))
  const nRight = Math.max(100, Math.round(rows / 20))
  const left = rankToId(rng, nLeft)
  const right = rankToId(rng, nRight)
  writeLines(path, rows, () => `u${left[rng.skewed(nLeft, 1.5)]},i${right[rng.skewed(nRight, 2)]}\n`, 'left,right\n')
  return { leftKeys: nLeft, rightKeys: nRight }
}

/**
 * A MovieLens-shaped ratings file (`u.data`: tab-separated integer stars;
 * `ratings.csv`: header, half stars) of `rows` rows over ~rows/100 users and
 * ~rows/60 items, Zipf-ish item popularity, increasing timestamps.
 */
export function writeRatingsFile(path: string, rows: number, variant: 'u.data' | 'ratings.csv', seed = 7): { users: number; items: number } {
  const rng = new Random(seed)
  const users = Math.max(10, Math.round(rows / 100))
  const items = Math.max(10, Math.round(rows / 60))
  const itemIds = rankToId(rng, items)
  let t = 874_724_710
  const sep = variant === 'u.data' ? '\t' : ','
  writeLines(
    path,
    rows,
    (i) => {
      t += rng.int(50)
      const user = 1 + Math.floor((i * users) / rows)
      const stars = variant === 'u.data' ? rng.range(1, 5) : rng.range(1, 10) / 2
      return `${user}${sep}${itemIds[rng.skewed(items, 1.8)]}${sep}${stars}${sep}${t}\n`
    },
    variant === 'ratings.csv' ? 'userId,movieId,rating,timestamp\n' : '',
  )
  return { users, items }
}
