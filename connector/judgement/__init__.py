"""The learned part of the judgement: what a lead's words mean.

Rules (connector.domain.scoring) keep the hard evidence; a linear model over
character n-grams of the lead's own words and the rules' findings reads who
wrote and how ready they are to buy. `features` is what the model sees,
`model` loads and applies a trained artefact, `corpus` and `training` build it.
"""
