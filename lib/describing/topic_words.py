"""The words topics are made of: the token pattern and the stop words (English and the field's own), shared by
the vectors of lib.describing.topics, the names of lib.describing.topic_labels and the Spark engine."""

from __future__ import annotations

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# Words that open half the abstracts in the field: they would make every cluster look alike.
DOMAIN_STOP_WORDS = frozenset(
    """
    neural network networks net nets deep learning learn learned learns learning-based model models modeling
    modelling data dataset datasets method methods approach approaches propose proposed proposes proposing
    paper papers result results performance performances perform performs performing task tasks based using
    use used uses usage new novel state art state-of-the-art sota show shows shown showing demonstrate
    demonstrates demonstrated work works also existing framework frameworks experiment experiments
    experimental extensive achieve achieves achieved achieving significant significantly improve improves
    improved improvement improvements improving different various however well problem problems study
    studies studied dl dnn dnns nn nns ai ml training train trained trains large large-scale accuracy
    effective effectively technique techniques algorithm algorithms introduce introduces introduced present
    presents presented provide provides provided including key important real-world end-to-end code
    available publicly github com https http www outperform outperforms outperforming compared comparison
    previous prior current popular widely simple first leading strong powerful superior promising
    potential recent recently number set sets way ways make makes able allows enable enables given
    application applications effectiveness standard real small single wide instead finally discuss
    diverse high-quality high low cost costs time times test tests specific specifically impressive
    remarkable scenarios scenario settings setting strategy strategies address addresses produce produces
    multiple variety empirical empirically years field fields deeper competitive summarize summarizes
    """.split()
)
STOP_WORDS = ENGLISH_STOP_WORDS | DOMAIN_STOP_WORDS
# Words of two or more characters that start with a letter; keeps "fine-tuning" and "low-rank" whole.
TOKEN_PATTERN = r"(?u)\b[^\W\d_][\w-]*[^\W_]\b"
