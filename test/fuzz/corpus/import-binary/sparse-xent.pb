

x0Placeholder*
dtype0

x1Placeholder*
dtype0
J
out#SparseSoftmaxCrossEntropyWithLogitsx0x1*
T0*
Tlabels0