"""Spoken sentences and queries that ask for them by meaning, sharing no content word with
them: the calibration set of the sentences relevance floor and of its benchmark (written for
this project; the first four are the issue's own example kind)."""

PAIRS = [
    ("My grandfather remembered the winter of 1944, when the soldiers marched into our village.",
     "an old man talking about the war"),
    ("You don't judge a book by its cover.", "what is said about reading"),
    ("Today we bake a chocolate cake with eggs, flour and sugar.", "someone making dessert"),
    ("The goalkeeper saved a penalty in the last minute of the match.", "football game"),
    ("Welcome to our new apartment, this is the kitchen and here is the balcony.",
     "a tour of the home we just moved into"),
    ("The waves are huge today and the surfers are out past the pier.", "ocean swell at the coast"),
    ("Happy birthday, sweetheart, blow out all seven candles!", "a child's party celebration"),
    ("The doctor said the X-ray shows the bone has healed nicely.", "medical checkup results"),
    ("We missed the train, so we are stuck at the station until midnight.",
     "travel delay on the railway"),
    ("Look at the puppy chasing its tail in the garden.", "a young dog playing outside"),
    ("The snow is so deep this morning that the car is completely buried.",
     "blizzard in the driveway"),
    ("Congratulations to the graduates of the class of 2023!", "school commencement ceremony"),
    ("The bride and groom are cutting the cake now.", "wedding reception"),
    ("I planted tomatoes, peppers and basil in the raised beds this spring.",
     "vegetable gardening"),
    ("Our flight to Tokyo boards at gate twelve in twenty minutes.", "airport departure to Japan"),
    ("Grandma is teaching me how to knit a scarf with blue wool.",
     "elderly woman showing a craft"),
    ("The orchestra is tuning up before the symphony begins.", "classical music concert"),
    ("The fireworks over the harbour are spectacular tonight.", "new year celebration lights"),
    ("The museum has a dinosaur skeleton taller than our house.", "fossils on exhibition"),
    ("The kitten fell asleep on the keyboard again.", "a sleepy cat on the computer"),
]
