
C
w2vSkipgramWord2vec*
filename
corpus.txt*

batch_size