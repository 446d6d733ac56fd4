
3
shapeConst*
dtype0*
valueB:
H
uRandomUniformshape*

seed*
dtype0*
T0*
seed2
O
nRandomStandardNormalshape*
T0*
dtype0*

seed*
seed2
J
tTruncatedNormalshape*
dtype0*
seed2*

seed*
T0